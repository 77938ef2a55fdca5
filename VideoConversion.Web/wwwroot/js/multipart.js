// One file sent to storage in parts: a few at once, each retried with backoff when it fails, the part
// URLs asked for in batches just before use (and again when they expire), pausable, and resumable from
// the parts storage already holds. Storage assembles the parts when the API completes the upload.

const partsInFlight = 4; // enough to fill a fast link; more only adds contention
const urlBatch = 8; // part URLs asked for at once: few requests, each URL used soon after it is signed
const urlMargin = 60_000; // ms: a URL this close to expiring is signed again rather than used
const firstBackoff = 1_000;
const longestBackoff = 30_000;
const stallAfter = 60_000; // a part that made no progress for this long is sent again
const givingUpAfter = 10 * 60_000; // no part made progress for this long: stop, resumable later

export class MultipartTransfer {
  /**
   * @param {File} file
   * @param {{ partSize: number, partCount: number, held: { partNumber: number, etag: string, sizeBytes: number }[] }} plan
   * @param {{ signParts(numbers: number[]): Promise<any>, progress(sent: number, resumed: number, activeMs: number, force?: boolean): void, waiting(reason: string | null): void }} calls
   */
  constructor(file, plan, calls) {
    this.file = file;
    this.partSize = plan.partSize;
    this.partCount = plan.partCount;
    this.calls = calls;
    this.done = new Map(); // part number → ETag
    this.doneBytes = 0;
    for (const part of plan.held ?? []) {
      // A part of another size is not this file's part: sent again.
      if (part.partNumber >= 1 && part.partNumber <= this.partCount && part.sizeBytes === this.sizeOf(part.partNumber)) {
        this.done.set(part.partNumber, part.etag);
        this.doneBytes += part.sizeBytes;
      }
    }
    this.resumedBytes = this.doneBytes;
    this.queue = [];
    for (let number = 1; number <= this.partCount; number++) {
      if (!this.done.has(number)) {
        this.queue.push(number);
      }
    }
    this.loading = new Map(); // part number → bytes of its attempt in flight
    this.urls = new Map(); // part number → { url, expiresAt }
    this.signing = null; // the part URL request in flight: one at a time
    this.requests = new Set();
    this.wakers = new Set(); // resolvers of waits a pause's end or a cancel cuts short
    this.paused = false;
    this.cancelled = false;
    this.failure = null;
    this.activeMs = 0;
    this.activeSince = performance.now();
    this.lastProgressAt = Date.now();
    this.waitingShown = false;
  }

  /** Sends every part storage does not hold. @returns {Promise<string>} 'done', 'cancelled', or why it stopped */
  async run() {
    this.report(true);
    const lanes = Array.from({ length: Math.min(partsInFlight, this.queue.length) }, () => this.lane());
    await Promise.all(lanes);
    if (this.cancelled) {
      return 'cancelled';
    }
    if (this.failure) {
      return this.failure;
    }
    this.report(true);
    // The server completes the upload with the parts storage lists: their ETags need not travel from here.
    return 'done';
  }

  pause() {
    if (this.paused || this.cancelled) {
      return;
    }
    this.paused = true;
    this.activeMs += performance.now() - this.activeSince;
    // The parts in flight stop now and are sent again, whole, on resume.
    for (const request of this.requests) {
      request.abort();
    }
    this.loading.clear(); // what they had sent is sent again: not counted as sent
    this.report(true);
  }

  resume() {
    if (!this.paused) {
      return;
    }
    this.paused = false;
    this.activeSince = performance.now();
    this.lastProgressAt = Date.now();
    this.wake();
  }

  cancel() {
    this.cancelled = true;
    for (const request of this.requests) {
      request.abort();
    }
    this.wake();
  }

  async lane() {
    while (!this.cancelled && !this.failure) {
      const number = this.queue.shift();
      if (number === undefined) {
        return;
      }
      const failure = await this.send(number);
      if (failure && !this.failure) {
        this.failure = failure;
        for (const request of this.requests) {
          request.abort();
        }
        this.wake();
      }
    }
  }

  /** One part, until storage holds it. @returns {Promise<string | null>} why it cannot be sent, or null */
  async send(number) {
    let failures = 0;
    let refusedUrls = 0;
    while (true) {
      while (this.paused && !this.cancelled) {
        await this.waitUntilWoken();
      }
      if (this.cancelled || this.failure) {
        return null;
      }

      let outcome;
      try {
        const url = await this.urlFor(number);
        if (this.paused || this.cancelled || this.failure) {
          continue; // it changed while the URLs were on their way: the loop's start decides
        }
        outcome = await this.put(number, url);
      } catch (problem) {
        outcome = problem.final ? { fatal: problem.message } : { reason: problem.message };
      }
      this.loading.delete(number);

      if (outcome.etag) {
        this.done.set(number, outcome.etag);
        this.doneBytes += this.sizeOf(number);
        this.lastProgressAt = Date.now();
        this.report();
        if (this.waitingShown) {
          this.waitingShown = false;
          this.calls.waiting(null);
        }
        return null;
      }
      if (outcome.fatal) {
        return outcome.fatal;
      }
      if (outcome.aborted) {
        continue; // paused or cancelled: the loop's start decides
      }
      if (outcome.refused && refusedUrls++ < 2) {
        // Most likely expired (a pause longer than its lifetime, a sleeping laptop): a new URL, at once.
        this.urls.delete(number);
        continue;
      }
      if (outcome.refused) {
        return `storage refused part ${number} three times (403)`;
      }
      if (Date.now() - this.lastProgressAt > givingUpAfter) {
        return 'storage could not be reached for 10 minutes';
      }

      const delay = Math.min(longestBackoff, firstBackoff * 2 ** failures++) * (0.5 + Math.random() / 2);
      this.waitingShown = true;
      this.calls.waiting(`Part ${number}: ${outcome.reason}. Trying again in ${Math.ceil(delay / 1000)} s.`);
      await this.waitUntilWoken(delay);
    }
  }

  async urlFor(number) {
    while (true) {
      const cached = this.urls.get(number);
      if (cached && cached.expiresAt - Date.now() > urlMargin) {
        return cached.url;
      }
      if (!this.signing) {
        break;
      }
      await this.signing.catch(() => {}); // another lane's request may bring this part's URL
    }

    // This part and the next ones waiting, in one request.
    const fresh = (candidate) => (this.urls.get(candidate)?.expiresAt ?? 0) - Date.now() > urlMargin;
    const numbers = [number, ...this.queue.filter((candidate) => !fresh(candidate)).slice(0, urlBatch - 1)];
    this.signing = this.calls.signParts(numbers).then((answer) => {
      if (answer.error) {
        throw Object.assign(new Error(answer.error), { final: answer.final });
      }
      // Relative to this browser's clock: the server's may differ.
      const expiresAt = Date.now() + answer.validForMilliseconds;
      for (const part of answer.parts) {
        this.urls.set(part.partNumber, { url: part.url, expiresAt });
      }
    });
    try {
      await this.signing;
    } finally {
      this.signing = null;
    }
    return this.urls.get(number).url;
  }

  put(number, url) {
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      let lastProgress = Date.now();
      let stalled = false;
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress > stallAfter) {
          stalled = true;
          request.abort();
        }
      }, 5_000);
      const end = (outcome) => {
        clearInterval(watchdog);
        this.requests.delete(request);
        resolve(outcome);
      };

      request.upload.addEventListener('progress', (event) => {
        lastProgress = Date.now();
        this.lastProgressAt = lastProgress;
        this.loading.set(number, event.loaded);
        this.report();
      });
      request.addEventListener('load', () => {
        const status = request.status;
        if (status >= 200 && status < 300) {
          const etag = request.getResponseHeader('ETag');
          end(etag ? { etag } : { fatal: "storage did not show the page the part's ETag (its CORS rules must expose ETag)" });
        } else if (status === 403) {
          end({ refused: true });
        } else if (status >= 500 || status === 408 || status === 429) {
          end({ reason: `storage answered ${status}` });
        } else {
          // 404: the upload is gone (aborted, expired); 400: not a part storage takes. Sending again changes nothing.
          end({ fatal: `storage refused part ${number} (${status})` });
        }
      });
      request.addEventListener('error', () => end({ reason: 'the connection to storage failed' }));
      request.addEventListener('abort', () => end(stalled ? { reason: 'no progress for a minute' } : { aborted: true }));

      this.requests.add(request);
      request.open('PUT', url);
      const start = (number - 1) * this.partSize;
      request.send(this.file.slice(start, start + this.sizeOf(number)));
    });
  }

  sizeOf(number) {
    return Math.min(this.partSize, this.file.size - (number - 1) * this.partSize);
  }

  report(force = false) {
    let sent = this.doneBytes;
    for (const bytes of this.loading.values()) {
      sent += bytes;
    }
    const activeMs = this.activeMs + (this.paused ? 0 : performance.now() - this.activeSince);
    this.calls.progress(sent, this.resumedBytes, activeMs, force);
  }

  /** Until woken (a resume, a cancel, a failure elsewhere), the network coming back, or the delay passing. */
  waitUntilWoken(delay) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener('online', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = delay === undefined ? undefined : setTimeout(done, delay);
      window.addEventListener('online', done);
      this.wakers.add(done);
    });
  }

  wake() {
    for (const waker of [...this.wakers]) {
      waker();
    }
  }
}
