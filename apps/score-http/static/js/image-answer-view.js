// @ts-check
// An image answer (config.json postprocessing.image: a mask, a cut-out, an image-to-image output) beside
// the image that was sent, on a checkerboard so transparency shows, with a link to download it.

/** @typedef {{ output: string, mode: string, format: string }} ImageAnswerMeta */

const NAMES = /** @type {Record<string, string>} */ ({ mask: 'mask', alpha: 'cut-out', rgb: 'image' });

/** @param {number} n */
function bytes(n) {
  return n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} kB`
      : `${(n / 1048576).toFixed(1)} MB`;
}

/**
 * @param {Blob} blob
 * @returns {Promise<{ width: number, height: number }>}
 */
async function sizeOf(blob) {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  const { width, height } = bitmap;
  bitmap.close();
  return { width, height };
}

/**
 * @param {string} title
 * @param {string} url
 * @param {string} testId
 * @param {string} note
 */
function figure(title, url, testId, note) {
  const fig = document.createElement('figure');
  fig.className = 'image-answer-figure';
  const img = document.createElement('img');
  img.src = url;
  img.alt = title;
  img.dataset.testid = testId;
  img.className = 'checker';
  const caption = document.createElement('figcaption');
  caption.textContent = `${title}: ${note}`;
  fig.append(caption, img);
  return fig;
}

/**
 * What the headline says of an image answer, e.g. `cut-out 640×480 (image/png, 59.7 kB)`.
 * @param {{ mode: string }} meta
 * @param {Blob} answer
 * @param {{ width: number, height: number }} size
 */
export function imageAnswerSummary(meta, answer, size) {
  return `${NAMES[meta.mode] ?? meta.mode} ${size.width}×${size.height} (${answer.type}, ${bytes(answer.size)})`;
}

/**
 * Shows `answer` beside `sent` in `container` (replacing what it showed), with a download link named for
 * the model and output; returns the headline. The object URLs are released by `clearImageAnswer`.
 * @param {HTMLElement} container
 * @param {Blob} answer
 * @param {Blob | undefined} sent
 * @param {{ model: string, output: string, mode: string }} meta
 */
export async function showImageAnswer(container, answer, sent, meta) {
  clearImageAnswer(container);
  const size = await sizeOf(answer);
  const answerUrl = URL.createObjectURL(answer);
  const urls = [answerUrl];
  const figures = [];
  if (sent) {
    const sentUrl = URL.createObjectURL(sent);
    urls.push(sentUrl);
    const s = await sizeOf(sent);
    figures.push(figure('Sent', sentUrl, 'image-sent', `${s.width}×${s.height}`));
  }
  const name = NAMES[meta.mode] ?? meta.mode;
  figures.push(
    figure(
      `Answer (${name} of output "${meta.output}")`,
      answerUrl,
      'image-answer-img',
      `${size.width}×${size.height}`,
    ),
  );
  const link = document.createElement('a');
  const extension = answer.type === 'image/webp' ? 'webp' : 'png';
  link.href = answerUrl;
  link.download = `${meta.model.replace(/[^\w.-]+/g, '_')}-${meta.output.replace(/[^\w.-]+/g, '_')}.${extension}`;
  link.textContent = `Download ${extension.toUpperCase()} (${bytes(answer.size)})`;
  link.dataset.testid = 'image-download';
  link.className = 'button';
  const pair = document.createElement('div');
  pair.className = 'image-answer-pair';
  pair.append(...figures);
  container.replaceChildren(pair, link);
  container.dataset.urls = urls.join(' ');
  container.hidden = false;
  return imageAnswerSummary(meta, answer, size);
}

/** Empties `container`, releasing its images. @param {HTMLElement} container */
export function clearImageAnswer(container) {
  for (const url of (container.dataset.urls ?? '').split(' ')) if (url) URL.revokeObjectURL(url);
  delete container.dataset.urls;
  container.replaceChildren();
  container.hidden = true;
}
