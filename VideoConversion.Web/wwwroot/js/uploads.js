// Sends chosen files straight from the browser to object storage with their presigned URLs.
// The file is handed to XMLHttpRequest as it is, so the browser streams it from disk: a 1 GB
// video is never read into memory, and no byte of it passes through the web or API servers.
// (fetch() cannot report upload progress; XMLHttpRequest can.)

const uploads = new Map();
const cancelledEarly = new Set(); // cancelled while the server was still getting the upload URL
const progressInterval = 250; // ms between progress reports to the server

export function attach(dropZone, input, page) {
  const start = (files) => {
    for (const file of files) {
      void upload(file, page);
    }
  };

  input.addEventListener('change', () => {
    start(Array.from(input.files ?? []));
    input.value = ''; // choosing the same file again starts a new upload
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
}

export function cancel(id) {
  const request = uploads.get(id);
  if (request) {
    request.abort();
  } else {
    cancelledEarly.add(id);
  }
}

async function upload(file, page) {
  // The server checks the file and asks the API for a URL; it answers with an id, and a URL or a reason.
  const ticket = await page.invokeMethodAsync('BeginUpload', file.name, file.size, file.type || null);
  if (!ticket.url) {
    return;
  }
  if (cancelledEarly.delete(ticket.id)) {
    await page.invokeMethodAsync('EndUpload', ticket.id, 'cancelled');
    return;
  }

  const request = new XMLHttpRequest();
  uploads.set(ticket.id, request);
  let lastReport = 0;
  request.upload.addEventListener('progress', (event) => {
    const now = performance.now();
    if (now - lastReport >= progressInterval) {
      lastReport = now;
      void page.invokeMethodAsync('ReportProgress', ticket.id, event.loaded);
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
