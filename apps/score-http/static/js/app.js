// @ts-check
// The playground: pick a model, give it an image (a file or a drawing) or a form's values, see what /score
// answers. Every call carries the function key the page was given (key.js).
import { api, ApiError } from './api.js';
import { drawingPad } from './drawing-pad.js';
import { followJob } from './job-poll.js';
import { currentKey, setKey, takeKey } from './key.js';
import { startLivePanel } from './live-panel.js';
import { firstChoice, modelOptions, trafficSummary } from './model-list.js';
import { grayOf, mnistDigit, SIDE } from './mnist-digit.js';
import { clearResult, showResult } from './result-view.js';
import { buildForm, formBody } from './signature-form.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const modelSelect = /** @type {HTMLSelectElement} */ ($('model'));
const fileInput = /** @type {HTMLInputElement} */ ($('file'));
const canvas = /** @type {HTMLCanvasElement} */ ($('canvas'));
const form = /** @type {HTMLFormElement} */ ($('tabular'));
const keyInput = /** @type {HTMLInputElement} */ ($('key'));
const preview = /** @type {HTMLImageElement} */ ($('preview'));
const answerAs = /** @type {HTMLSelectElement} */ ($('answer-as'));

/**
 * @typedef {import('./model-list.js').IndexEntry} IndexEntry
 * @typedef {import('./signature-form.js').TensorMeta} TensorMeta
 * @typedef {object} Metadata
 * @property {string} name
 * @property {TensorMeta[]} inputs
 * @property {TensorMeta[]} outputs
 * @property {{ version: string, classifier?: boolean, image?: { width: number, height: number, color: string }, image_answer?: import('./image-answer-view.js').ImageAnswerMeta }} parameters
 * @typedef {'mnist' | 'image' | 'raw' | 'form'} Kind
 */

/** @type {{ meta?: Metadata, kind?: Kind, source?: 'file' | 'drawing', file?: Blob, seq: number, index?: IndexEntry[] }} */
const state = { seq: 0 };

const pad = drawingPad(canvas, () => {
  state.source = 'drawing';
  $('source').textContent = 'input: your drawing';
});

/** @param {unknown} e */
function showError(e) {
  const el = $('error');
  el.textContent =
    e instanceof ApiError
      ? `${e.message}${e.code ? ` (${e.code}, HTTP ${e.status})` : ` (HTTP ${e.status})`}`
      : String(/** @type {Error} */ (e)?.message ?? e);
  el.hidden = false;
}

function hideError() {
  $('error').hidden = true;
}

/**
 * What the page offers for a model: a drawing made MNIST-style for 28x28 grey image models, an image for
 * other image models, raw bytes for entry scripts (no tensor signature), else a form.
 * @param {Metadata} meta
 * @returns {Kind}
 */
function kindOf(meta) {
  const image = meta.parameters.image;
  if (image)
    return image.width === SIDE && image.height === SIDE && image.color === 'gray' ? 'mnist' : 'image';
  return meta.inputs.length === 0 ? 'raw' : 'form';
}

async function loadModels() {
  const { body } = await api('/v2/repository/index', { method: 'POST' });
  const entries = /** @type {IndexEntry[]} */ (body);
  state.index = entries;
  modelSelect.replaceChildren(...modelOptions(entries));
  const pick = firstChoice(entries, new URL(window.location.href).searchParams.get('model'));
  if (pick) modelSelect.value = pick;
  await selectModel();
}

async function selectModel() {
  hideError();
  clearResult();
  const [name, version] = modelSelect.value.split(':');
  if (!name) return;
  // No version: the model split by its traffic (the metadata of the version most requests go to).
  const { body } = await api(
    `/v2/models/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`,
  );
  const split = trafficSummary(state.index ?? [], name);
  $('traffic').textContent = split ? `traffic without a version: ${split}` : '';
  $('traffic').hidden = !split;
  const meta = /** @type {Metadata} */ (body);
  state.meta = meta;
  state.kind = kindOf(meta);
  state.source = undefined;
  $('source').textContent = '';
  const batched = meta.inputs[0]?.shape[0] === -1;
  $('image-input').hidden = state.kind === 'form';
  form.hidden = state.kind !== 'form';
  if (state.kind === 'form') buildForm(form, meta.inputs, batched);
  // MNIST digits are white on black; anything else is drawn as ink on paper.
  if (state.kind === 'mnist') pad.setColors('#fff', '#000');
  else pad.setColors('#111', '#fff');
  // An entry script takes the request's bytes as they come: the OCR model reads PDFs and TIFFs too.
  $('drop-hint').textContent =
    state.kind === 'raw' ? 'Drop an image, a PDF or a TIFF here' : 'Drop an image here';
  fileInput.accept = state.kind === 'raw' ? 'image/*,application/pdf,.pdf,.tif,.tiff' : 'image/*';
  $('draw-hint').textContent =
    state.kind === 'mnist'
      ? 'draw a digit: it is cropped, fitted to 20×20 and centred by mass in 28×28'
      : 'draw or write';
  // A model with postprocessing.image answers a picture when asked (Accept: image/png); JSON stays a choice.
  const pictured = meta.parameters.image_answer && state.kind !== 'form';
  $('answer-as-box').hidden = !pictured;
  answerAs.value = 'image';
  if (pictured)
    answerAs.options[0].textContent = `image (${meta.parameters.image_answer?.format.toUpperCase()})`;
  $('model-info').textContent =
    `${meta.inputs.map((t) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`).join(', ') || 'raw request (entry script)'}`;
}

/**
 * The drawing as the model should see it, as a PNG.
 * @returns {Promise<Blob>}
 */
function drawingBlob() {
  /** @type {HTMLCanvasElement} */
  let out = canvas;
  if (state.kind === 'mnist') {
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    const digit = mnistDigit(grayOf(ctx.getImageData(0, 0, canvas.width, canvas.height)));
    if (!digit) throw new Error('draw something first');
    out = document.createElement('canvas');
    out.width = SIDE;
    out.height = SIDE;
    const small = /** @type {CanvasRenderingContext2D} */ (out.getContext('2d'));
    const img = small.createImageData(SIDE, SIDE);
    digit.forEach((v, i) => {
      img.data.set([v, v, v, 255], i * 4);
    });
    small.putImageData(img, 0, 0);
  }
  return new Promise((resolve, reject) =>
    out.toBlob((b) => (b ? resolve(b) : reject(new Error('the drawing could not be encoded'))), 'image/png'),
  );
}

async function predict() {
  hideError();
  const meta = state.meta;
  if (!meta) return;
  const seq = ++state.seq;
  const headers = { 'x-model': modelSelect.value };
  const query = meta.parameters.classifier ? '?top=5' : '';
  /** @type {BodyInit} */
  let body;
  /** @type {Blob | undefined} */
  let image;
  if (state.kind === 'form') {
    body = formBody(form, meta.inputs, meta.inputs[0]?.shape[0] === -1);
    Object.assign(headers, { 'content-type': 'application/json' });
  } else {
    if (state.source === 'file' && state.file) image = state.file;
    else if (!pad.isEmpty()) image = await drawingBlob();
    else throw new Error('choose an image or draw one first');
    body = image;
    Object.assign(headers, { 'content-type': image.type || 'application/octet-stream' });
  }
  const pictured = meta.parameters.image_answer;
  const asImage = pictured && image && answerAs.value === 'image' ? pictured : undefined;
  if (asImage) Object.assign(headers, { accept: `image/${asImage.format}` });
  $('predict').setAttribute('aria-busy', 'true');
  try {
    const posted = await api(`/score${query}`, { method: 'POST', body, headers });
    // A long document is answered 202 and read by a job: its status URL is followed to the answer.
    const current = () => seq === state.seq;
    const reply =
      posted.status === 202 ? await followJob(posted, { current, onRunning: showRunning }) : posted;
    if (reply && current()) await showResult(reply.body, reply.headers, reply.ms, image, asImage);
  } finally {
    if (seq === state.seq) hideRunning();
    $('predict').removeAttribute('aria-busy');
  }
}

/** @param {import('./job-poll.js').Running} running */
function showRunning(running) {
  const el = $('job');
  el.textContent =
    `Running as a job (${running.id}): asked ${running.polls} time${running.polls === 1 ? '' : 's'}, ` +
    `${(running.elapsedMs / 1000).toFixed(0)} s so far. The answer shows here when it is ready.`;
  el.dataset.statusUri = running.statusUri;
  el.hidden = false;
}

function hideRunning() {
  $('job').hidden = true;
}

/** @param {File} file */
function useFile(file) {
  state.file = file;
  state.source = 'file';
  $('source').textContent = `input: ${file.name}`;
  // A PDF or a TIFF has no preview here: the browser draws neither in an <img>.
  const drawable = file.type.startsWith('image/') && !/tiff/.test(file.type);
  if (drawable) preview.src = URL.createObjectURL(file);
  preview.hidden = !drawable;
  void predict().catch(failed);
}

/** @param {unknown} e */
function failed(e) {
  clearResult();
  showError(e);
}

keyInput.value = takeKey();
keyInput.addEventListener('change', () => {
  setKey(keyInput.value.trim());
  void loadModels().catch(failed);
});
modelSelect.addEventListener('change', () => void selectModel().catch(failed));
fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f) useFile(f);
  fileInput.value = '';
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) useFile(f);
});
$('clear').addEventListener('click', () => {
  pad.clear();
  state.source = state.file ? 'file' : undefined;
  if (state.source !== 'file') $('source').textContent = '';
  clearResult();
  hideError();
});
$('predict').addEventListener('click', () => void predict().catch(failed));
// The same input answered the other way, at once.
answerAs.addEventListener('change', () => {
  if (state.source) void predict().catch(failed);
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  void predict().catch(failed);
});

void loadModels().catch(failed);
startLivePanel(Number(new URL(window.location.href).searchParams.get('refresh')) || 2000);
// Whether a key is in use shows in the field; the key itself is never written into the page.
keyInput.placeholder = currentKey() ? 'key set' : keyInput.placeholder;
