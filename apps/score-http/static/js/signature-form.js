// @ts-check
// A form for a tabular model, made from its v2 metadata: one field per element of each input.

/**
 * @typedef {object} TensorMeta
 * @property {string} name
 * @property {string} datatype
 * @property {number[]} shape -1 for the batch and every dynamic dimension
 */

/** Inputs with more elements than this get one JSON field instead of a field per element. */
const MAX_FIELDS = 64;

/**
 * The shape of one row: without the batch dimension when the model batches.
 * @param {TensorMeta} t
 * @param {boolean} batched
 */
function rowShape(t, batched) {
  return batched ? t.shape.slice(1) : t.shape;
}

/**
 * Whether a form can hold these inputs one element per field.
 * @param {TensorMeta} t
 * @param {boolean} batched
 */
function elementCount(t, batched) {
  const dims = rowShape(t, batched);
  if (dims.some((d) => d < 0)) return undefined;
  const n = dims.reduce((a, d) => a * d, 1);
  return n <= MAX_FIELDS ? n : undefined;
}

/**
 * Fills `form` with fields for `inputs`.
 * @param {HTMLFormElement} form
 * @param {TensorMeta[]} inputs
 * @param {boolean} batched
 */
export function buildForm(form, inputs, batched) {
  form.replaceChildren();
  for (const t of inputs) {
    const set = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = `${t.name} (${t.datatype}, shape [${t.shape.join(', ')}])`;
    set.append(legend);
    const n = elementCount(t, batched);
    const fields = n === undefined ? 1 : n;
    for (let i = 0; i < fields; i++) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.name = t.name;
      input.dataset.index = String(i);
      if (n === undefined) {
        label.append(`${t.name} as JSON `);
        input.type = 'text';
        input.placeholder = '[[...]]';
        input.dataset.json = 'true';
      } else if (t.datatype === 'BOOL') {
        input.type = 'checkbox';
        label.append(`${t.name}[${i}] `);
      } else if (t.datatype === 'BYTES') {
        input.type = 'text';
        label.append(`${t.name}[${i}] `);
      } else {
        input.type = 'number';
        input.step = 'any';
        input.value = '0';
        input.required = true;
        label.append(`${t.name}[${i}] `);
      }
      label.append(input);
      set.append(label);
    }
    form.append(set);
  }
}

/**
 * The request body for the form's values: `{"data": [row]}`, or `{"data": {input: [row]}}` with several
 * inputs (Azure ML style, as /score takes it).
 * @param {HTMLFormElement} form
 * @param {TensorMeta[]} inputs
 * @param {boolean} batched
 * @returns {string}
 */
export function formBody(form, inputs, batched) {
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const t of inputs) {
    const fields = /** @type {HTMLInputElement[]} */ ([
      ...form.querySelectorAll(`input[name="${CSS.escape(t.name)}"]`),
    ]);
    let value;
    if (fields[0]?.dataset.json) {
      value = JSON.parse(fields[0].value || 'null');
    } else {
      const flat = fields.map((f) =>
        t.datatype === 'BOOL' ? f.checked : t.datatype === 'BYTES' ? f.value : Number(f.value),
      );
      value = nest(flat, rowShape(t, batched));
    }
    values[t.name] = batched && !fields[0]?.dataset.json ? [value] : value;
  }
  const data = inputs.length === 1 ? values[inputs[0].name] : values;
  return JSON.stringify({ data });
}

/**
 * Flat values nested as `dims`.
 * @param {unknown[]} flat
 * @param {number[]} dims
 * @returns {unknown}
 */
function nest(flat, dims) {
  if (dims.length <= 1) return dims.length === 0 ? flat[0] : flat;
  const step = flat.length / dims[0];
  return Array.from({ length: dims[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), dims.slice(1)));
}
