// The converted video's player: its adaptive HLS stream through hls.js (window.Hls, loaded by the page from
// lib/hls.js), or the browser's own HLS where hls.js has no MediaSource (Safari on iOS), with a quality menu and
// storyboard thumbnails over the seek bar. Playlists come through the page's own /playback path (the link's token is
// the permission); segments and sprite sheets come straight from storage, signed.

const players = new WeakMap();

/**
 * @param {HTMLElement} root the player's element, holding a <video> and its controls
 * @param {{ hls: string, poster?: string, storyboard?: string, title: string }} sources
 */
export function attach(root, sources) {
  detach(root);
  const video = root.querySelector('video');
  const quality = root.querySelector('select.quality');
  const seek = root.querySelector('input.seek');
  const play = root.querySelector('button.play');
  const clock = root.querySelector('.clock');
  const preview = root.querySelector('.preview');
  const abort = new AbortController();
  const on = (target, event, handler) => target.addEventListener(event, handler, { signal: abort.signal });
  const state = { abort, hls: null };
  players.set(root, state);

  if (sources.poster) video.poster = sources.poster;

  if (window.Hls?.isSupported()) {
    // Start from a middle rendition's estimate, not the lowest: the estimate adapts within a segment or two.
    const hls = new window.Hls({ capLevelToPlayerSize: false, startLevel: -1 });
    state.hls = hls;
    hls.on(window.Hls.Events.MANIFEST_PARSED, (_, data) => fillQualities(quality, data.levels));
    hls.on(window.Hls.Events.LEVEL_SWITCHED, (_, data) => {
      const level = hls.levels[data.level];
      root.dataset.rendition = level ? label(level) : '';
    });
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) root.dataset.error = `${data.type}: ${data.details}`;
    });
    hls.loadSource(sources.hls);
    hls.attachMedia(video);
    on(quality, 'change', () => {
      // -1 is automatic; a number is that rendition from now on (the buffer ahead is replaced).
      hls.currentLevel = Number(quality.value);
      root.dataset.chosen = quality.value;
    });
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    // The browser's own HLS chooses renditions itself: no menu.
    video.src = sources.hls;
    quality.closest('label').hidden = true;
  } else {
    root.dataset.error = 'This browser plays neither HLS nor Media Source Extensions.';
  }

  const mute = root.querySelector('button.mute');
  const showSound = () => {
    mute.textContent = video.muted ? '🔇' : '🔊';
    mute.setAttribute('aria-label', `${video.muted ? 'Unmute' : 'Mute'} ${sources.title}`);
  };
  on(mute, 'click', () => (video.muted = !video.muted));
  on(video, 'volumechange', showSound);
  showSound();
  const fullscreen = root.querySelector('button.fullscreen');
  fullscreen.hidden = !document.fullscreenEnabled;
  on(fullscreen, 'click', () => (document.fullscreenElement ? document.exitFullscreen() : root.requestFullscreen()));

  on(play, 'click', () => (video.paused ? video.play() : video.pause()));
  on(video, 'click', () => (video.paused ? video.play() : video.pause()));
  const showPlaying = () => {
    play.textContent = video.paused ? '▶' : '❚❚';
    play.setAttribute('aria-label', `${video.paused ? 'Play' : 'Pause'} ${sources.title}`);
  };
  on(video, 'play', showPlaying);
  on(video, 'pause', showPlaying);
  showPlaying();

  const showTime = () => {
    if (Number.isFinite(video.duration)) seek.max = String(video.duration);
    if (!seeking) seek.value = String(video.currentTime);
    clock.textContent = `${time(video.currentTime)} / ${time(video.duration)}`;
    seek.setAttribute('aria-valuetext', `${time(video.currentTime)} of ${time(video.duration)}`);
  };
  let seeking = false;
  on(video, 'timeupdate', showTime);
  on(video, 'durationchange', showTime);
  on(seek, 'input', () => {
    seeking = true;
    video.currentTime = Number(seek.value);
  });
  on(seek, 'change', () => (seeking = false));

  if (sources.storyboard) {
    void loadStoryboard(sources.storyboard, abort.signal).then((cues) => {
      if (!cues.length) return;
      const showPreview = (seconds) => {
        const cue = cues.find((c) => seconds >= c.start && seconds < c.end) ?? cues[cues.length - 1];
        const thumb = preview.querySelector('.thumb');
        thumb.style.width = `${cue.w}px`;
        thumb.style.height = `${cue.h}px`;
        thumb.style.backgroundImage = `url("${cue.url}")`;
        thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
        preview.querySelector('.at').textContent = time(seconds);
        const fraction = Number(seek.max) > 0 ? seconds / Number(seek.max) : 0;
        preview.style.left = `calc(${(fraction * 100).toFixed(2)}% - ${cue.w / 2}px)`;
        preview.hidden = false;
        root.dataset.preview = cue.url.split('?')[0].split('/').pop() + cue.fragment;
      };
      on(seek, 'pointermove', (event) => {
        const box = seek.getBoundingClientRect();
        const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
        showPreview(fraction * (Number(seek.max) || 0));
      });
      on(seek, 'input', () => showPreview(Number(seek.value)));
      on(seek, 'pointerleave', () => (preview.hidden = true));
      on(seek, 'blur', () => (preview.hidden = true));
    });
  }
}

export function detach(root) {
  const state = players.get(root);
  if (!state) return;
  state.abort.abort();
  state.hls?.destroy();
  players.delete(root);
}

function fillQualities(select, levels) {
  select.replaceChildren(new Option('Auto', '-1'));
  // Best first, as people read a quality menu; the value is hls.js's level index.
  levels
    .map((level, index) => ({ level, index }))
    .sort((a, b) => b.level.bitrate - a.level.bitrate)
    .forEach(({ level, index }) => select.add(new Option(label(level), String(index))));
  select.value = '-1';
  select.disabled = levels.length < 2;
}

/** A rendition as its name in the ladder: its picture's short side ("720p"), portrait or landscape. */
function label(level) {
  return `${Math.min(level.width, level.height)}p`;
}

/** The storyboard's WebVTT cues: when each thumbnail applies, and where it is in which sprite sheet. */
async function loadStoryboard(url, signal) {
  try {
    const response = await fetch(url, { signal });
    if (!response.ok) return [];
    const base = new URL(url, document.baseURI); // the sheets' URLs are absolute (signed), but a base must be too
    const lines = (await response.text()).split('\n');
    const cues = [];
    for (let i = 0; i < lines.length - 1; i++) {
      const span = lines[i].match(/^(\S+) --> (\S+)/);
      const target = lines[i + 1].match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
      if (!span || !target) continue;
      const [x, y, w, h] = target.slice(2).map(Number);
      cues.push({ start: seconds(span[1]), end: seconds(span[2]), url: new URL(target[1], base).href, fragment: `#xywh=${x},${y},${w},${h}`, x, y, w, h });
    }
    return cues;
  } catch {
    return []; // previews are a nicety: the video plays without them
  }
}

function seconds(timestamp) {
  const [h, m, s] = timestamp.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

function time(value) {
  if (!Number.isFinite(value)) return '0:00';
  const whole = Math.floor(value);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
