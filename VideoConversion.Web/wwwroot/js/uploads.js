// Sends chosen files straight from the browser to object storage with presigned URLs; no byte of a
// video passes through the web or API servers, and none is read into memory: XMLHttpRequest streams
// the file (or a slice of it) from disk. (fetch() cannot report upload progress; XMLHttpRequest can.)
//
// A small file goes in one PUT. A large one goes in parts (the API decides, by its size): several at
// once, each retried with backoff, the URLs asked for in batches just before use and again when they
// expire. The upload is remembered in localStorage by the file's name, size and modification time, so
// choosing the same file after a reload or a lost network asks the API which parts storage holds and
// sends only the rest.

import { MultipartTransfer } from './multipart.js';

const uploads = new Map(); // page id → { cancel(), pause(), resume() }
const sending = new Set(); // the remembered keys of the files being sent now
const cancelledEarly = new Set(); // cancelled while the server was still getting the upload URL
const progressInterval = 250; // ms between progress reports to the server
const rememberedPrefix = 'videoconversion.upload:';
const rememberedFor = 7 * 24 * 3600 * 1000; // the API expires an upload that never completes well before this

export function attach(dropZone, input, page) {
  const start = (files) => {
    for (const file of files) {
      void upload(file, page);
    }
  };

  input.addEventListener('change', () => {
    start(Array.from(input.files ?? []));
    input.value = ''; // choosing the same file again starts (or resumes) an upload
  });

  const setDragging = (on) => dropZone.classList.toggle('dragging', on);
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  });
  dropZone.addEventListener('dragleave', () => setDragging(false));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    setDragging(false);
    start(Array.from(event.dataTransfer?.files ?? []));
  });

  return interruptedUploads();
}

export function cancel(id) {
  const transfer = uploads.get(id);
  if (transfer) {
    transfer.cancel();
  } else {
    cancelledEarly.add(id);
  }
}

export function pause(id) {
  uploads.get(id)?.pause();
}

export function resume(id) {
  uploads.get(id)?.resume();
}

async function upload(file, page) {
  const key = rememberedKey(file);
  if (sending.has(key)) {
    return; // already going on this page: a second transfer would send the same parts twice
  }
  sending.add(key);
  try {
    await uploadOnce(file, key, page);
  } finally {
    sending.delete(key);
  }
}

async function uploadOnce(file, key, page) {
  const remembered = readRemembered(key);
  // The server checks the file and asks the API for an upload (or, for a remembered one, which parts it holds).
  const ticket = await page.invokeMethodAsync('BeginUpload', file.name, file.size, file.type || null, remembered?.jobId ?? null);
  if (!ticket.url && !ticket.multipart) {
    return;
  }
  if (cancelledEarly.delete(ticket.id)) {
    await page.invokeMethodAsync('EndUpload', ticket.id, 'cancelled');
    return;
  }

  if (!ticket.multipart) {
    await uploadWhole(file, ticket, page);
    return;
  }

  localStorage.setItem(key, JSON.stringify({ jobId: ticket.multipart.jobId, name: file.name, size: file.size, savedAt: Date.now() }));
  let lastReport = 0;
  const transfer = new MultipartTransfer(file, ticket.multipart, {
    signParts: (numbers) => page.invokeMethodAsync('SignParts', ticket.id, numbers),
    progress: (sent, resumed, activeMs, force) => {
      const now = performance.now();
      if (force || now - lastReport >= progressInterval) {
        lastReport = now;
        void page.invokeMethodAsync('ReportProgress', ticket.id, sent, resumed, activeMs);
      }
    },
    waiting: (reason) => void page.invokeMethodAsync('ReportWaiting', ticket.id, reason),
  });
  uploads.set(ticket.id, transfer);
  const outcome = await transfer.run();
  uploads.delete(ticket.id);

  if (outcome === 'done') {
    const problem = await page.invokeMethodAsync('CompleteUpload', ticket.id);
    if (!problem) {
      localStorage.removeItem(key);
    }
    return;
  }
  if (outcome === 'cancelled') {
    localStorage.removeItem(key); // the API drops its parts
  }
  // Otherwise kept: choosing the file again resumes where it stopped.
  await page.invokeMethodAsync('EndUpload', ticket.id, outcome);
}

async function uploadWhole(file, ticket, page) {
  const request = new XMLHttpRequest();
  uploads.set(ticket.id, { cancel: () => request.abort(), pause: () => {}, resume: () => {} });
  const started = performance.now();
  let lastReport = 0;
  request.upload.addEventListener('progress', (event) => {
    const now = performance.now();
    if (now - lastReport >= progressInterval) {
      lastReport = now;
      void page.invokeMethodAsync('ReportProgress', ticket.id, event.loaded, 0, now - started);
    }
  });

  const finished = new Promise((resolve) => {
    request.addEventListener('load', () => resolve(request.status >= 200 && request.status < 300 ? 'ok' : `storage answered ${request.status}`));
    request.addEventListener('error', () => resolve('the connection to storage failed'));
    request.addEventListener('timeout', () => resolve('the upload timed out'));
    request.addEventListener('abort', () => resolve('cancelled'));
  });

  request.open('PUT', ticket.url);
  request.send(file);
  const outcome = await finished;
  uploads.delete(ticket.id);
  await page.invokeMethodAsync('EndUpload', ticket.id, outcome);
}

// The same file chosen again: same name, size and modification time (as tus clients fingerprint files).
// Which parts are whose is the API's to say: a remembered job of another account is simply not found.
function rememberedKey(file) {
  return `${rememberedPrefix}${file.name}:${file.size}:${file.lastModified}`;
}

function readRemembered(key) {
  try {
    const entry = JSON.parse(localStorage.getItem(key) ?? 'null');
    if (entry && typeof entry.jobId === 'string' && Date.now() - entry.savedAt < rememberedFor) {
      return entry;
    }
  } catch {
    // Unreadable: forgotten below.
  }
  localStorage.removeItem(key);
  return null;
}

// Uploads that stopped before they completed (the page was closed or reloaded), for the page to mention.
function interruptedUploads() {
  const found = [];
  for (let index = localStorage.length - 1; index >= 0; index--) {
    const key = localStorage.key(index);
    if (key?.startsWith(rememberedPrefix)) {
      const entry = readRemembered(key);
      if (entry) {
        found.push({ name: entry.name, size: entry.size });
      }
    }
  }
  return found;
}
