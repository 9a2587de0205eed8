// The form editor's model of a JSON Schema form: its fields in order, each with the kind the task page
// draws (bpmnpub.forms.input_kind), and back. Nothing is lost: a field keeps every key of its schema the
// editor does not own (maxLength, x-profile, default...), the schema keeps its other keys in their places,
// and `required` keeps its order. Pure functions, no DOM: tests/services/test_form_model.py runs them in
// Node over generated schemas.

// kind -> what a new field of that kind is (the keys `setKind` replaces)
export const KINDS = {
  text: () => ({ type: 'string' }),
  textarea: () => ({ type: 'string', 'x-widget': 'textarea' }),
  integer: () => ({ type: 'integer' }),
  number: () => ({ type: 'number' }),
  date: () => ({ type: 'string', format: 'date' }),
  boolean: () => ({ type: 'boolean' }),
  choice: () => ({ type: 'string', oneOf: [] }),
  multi: () => ({ type: 'array', items: { type: 'string', oneOf: [] }, uniqueItems: true }),
  source: () => ({ type: 'string', 'x-source': 'categories' }),
  sources: () => ({ type: 'array', items: { type: 'string', 'x-source': 'ita_items' }, uniqueItems: true }),
  file: () => ({ type: 'string', format: 'file-id' }),
  files: () => ({ type: 'array', items: { type: 'string', format: 'file-id' } }),
  rows: () => ({ type: 'array', items: { type: 'object', properties: {} } }),
  lines: () => ({ type: 'array', items: { type: 'string' } }),
};
// keys a kind decides; everything else (title, description, x-profile, default, limits...) is kept
const KIND_KEYS = ['type', 'format', 'x-widget', 'oneOf', 'anyOf', 'enum', 'items', 'x-source', 'uniqueItems'];
const STRING_KINDS = new Set(['text', 'textarea', 'choice', 'source', 'date']);
const STRING_LIMITS = ['minLength', 'maxLength', 'pattern'];
const ARRAY_LIMITS = ['minItems', 'maxItems', 'contains'];
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const typeOf = (p) => (Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type);

/** The kind of a field as the editor shows it; "other" for what only the JSON can say. */
export function kindOf(prop) {
  if (!isObject(prop)) return 'other';
  const type = typeOf(prop);
  if (type === 'array') {
    const items = isObject(prop.items) ? prop.items : null;
    if (!items) return 'other';
    if (items.format === 'file-id') return 'files';
    if (typeOf(items) === 'object' && isObject(items.properties)) return 'rows';
    if (items['x-source']) return 'sources';
    if (Array.isArray(items.oneOf) || Array.isArray(items.enum)) return 'multi';
    if (typeOf(items) === 'string' || items.type === undefined) return 'lines';
    return 'other';
  }
  if (type === 'string' || type === undefined) {
    if (prop.format === 'file-id') return 'file';
    if (prop['x-source']) return 'source';
    if (Array.isArray(prop.oneOf) || Array.isArray(prop.enum)) return 'choice';
    if (prop.format === 'date') return 'date';
    if (type === undefined) return 'other';
    return prop['x-widget'] === 'textarea' ? 'textarea' : 'text';
  }
  if (type === 'boolean' || type === 'integer' || type === 'number') return type;
  return 'other';
}

function fieldsOf(schema) {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(props).map(([name, prop]) => fieldOf(name, prop, required.includes(name)));
}

function fieldOf(name, prop, required) {
  const kind = kindOf(prop);
  // `from`: the name the field had in the schema, so `required` follows a rename or a removal
  const field = { name, from: name, kind, required, prop: isObject(prop) ? { ...prop } : prop };
  if (kind === 'rows') {
    field.fields = fieldsOf(prop.items);
    field.known = Object.keys(prop.items.properties);
  }
  return field;
}

/** schema -> {schema, fields, known}: the fields in order; the schema kept for its other keys. */
export function toModel(schema) {
  const source = isObject(schema) ? schema : {};
  return { schema: source, fields: fieldsOf(source), known: Object.keys(isObject(source.properties) ? source.properties : {}) };
}

/** `required`: its old order first (renamed fields under their new name, removed ones gone, names that
 * were never fields kept as the JSON said), then the fields newly required, in field order. */
function requiredOf(before, fields, known) {
  const byFrom = new Map(fields.filter((f) => f.from !== undefined && f.from !== null).map((f) => [f.from, f]));
  const out = [];
  for (const name of Array.isArray(before) ? before : []) {
    const field = byFrom.get(name);
    if (field) {
      if (field.required && !out.includes(field.name)) out.push(field.name);
    } else if (!known.includes(name) && !out.includes(name)) out.push(name);
  }
  for (const f of fields) if (f.required && !out.includes(f.name)) out.push(f.name);
  return out;
}

function propsOf(fields) {
  const props = {};
  for (const f of fields) props[f.name] = f.kind === 'rows' ? { ...f.prop, items: rebuild(f.prop.items, f.fields, f.known || []) } : f.prop;
  return props;
}

/** An object schema with its fields put back where "properties" and "required" were. */
function rebuild(original, fields, known) {
  const out = {};
  const required = requiredOf(original.required, fields, known);
  for (const [key, value] of Object.entries(original)) {
    if (key === 'properties') out.properties = propsOf(fields);
    else if (key === 'required') {
      if (required.length || Array.isArray(value)) out.required = required;
    } else out[key] = value;
  }
  if (!('properties' in out)) out.properties = propsOf(fields);
  if (!('required' in out) && required.length) out.required = required;
  return out;
}

/** {schema, fields} -> schema, keys where they were ("properties" and "required" at the end if new). */
export function toSchema(model) {
  const out = rebuild(model.schema, model.fields, model.known || []);
  return 'type' in out ? out : { type: 'object', ...out };
}

// --- edits (each changes one field in place) ---

/** A new field of `kind`, named uniquely among `fields`. */
export function newField(fields, kind = 'text', title = '') {
  let n = fields.length + 1;
  while (fields.some((f) => f.name === `field_${n}`)) n += 1;
  const field = { name: `field_${n}`, from: null, kind, required: false, prop: { title, ...KINDS[kind]() } };
  if (kind === 'rows') {
    field.fields = [];
    field.known = [];
  }
  return field;
}

export function setKind(field, kind) {
  if (!KINDS[kind] || field.kind === kind) return;
  const was = field.kind;
  const prop = {};
  for (const [key, value] of Object.entries(field.prop)) {
    if (KIND_KEYS.includes(key)) continue;
    if (STRING_LIMITS.includes(key) && !(STRING_KINDS.has(was) && STRING_KINDS.has(kind))) continue;
    if (ARRAY_LIMITS.includes(key) && !(KINDS[kind]().type === 'array' && typeOf(field.prop) === 'array')) continue;
    if ((key === 'minimum' || key === 'maximum') && kind !== 'integer' && kind !== 'number') continue;
    if (key === 'default' || key === 'const' || key === 'readOnly') continue;
    prop[key] = value;
  }
  const made = KINDS[kind]();
  // options carry over between one choice and several choices
  const options = optionsOf(field);
  Object.assign(prop, made);
  field.prop = prop;
  field.kind = kind;
  if (kind === 'choice' || kind === 'multi') setOptions(field, options);
  if (kind === 'rows') {
    field.fields = field.fields || [];
    field.known = field.known || [];
  } else delete field.fields;
}

/** [{const, title}] of a choice field (an enum reads as consts titled by themselves). */
export function optionsOf(field) {
  const holder = field.kind === 'multi' || field.kind === 'sources' ? field.prop.items || {} : field.prop;
  if (Array.isArray(holder.oneOf)) return holder.oneOf.map((o) => ({ const: o.const, title: o.title ?? String(o.const) }));
  if (Array.isArray(holder.enum)) return holder.enum.map((v) => ({ const: v, title: String(v) }));
  return [];
}

export function setOptions(field, options) {
  const oneOf = options.map((o) => ({ const: o.const, title: o.title }));
  if (field.kind === 'multi') {
    const { enum: _e, ...items } = field.prop.items || {};
    field.prop.items = { ...items, oneOf };
  } else if (field.kind === 'choice') {
    delete field.prop.enum;
    field.prop.oneOf = oneOf;
  }
}

export function sourceOf(field) {
  return field.kind === 'sources' ? (field.prop.items || {})['x-source'] : field.prop['x-source'];
}

export function setSource(field, source) {
  if (field.kind === 'sources') field.prop.items = { ...field.prop.items, 'x-source': source };
  else if (field.kind === 'source') field.prop['x-source'] = source;
}

/** Required: for text also at least one letter (spaces alone do not fill it), for lists one item. */
export function setRequired(field, required) {
  field.required = required;
  if (STRING_KINDS.has(field.kind) && field.kind !== 'date') {
    if (required && !('minLength' in field.prop)) field.prop.minLength = 1;
    if (!required && field.prop.minLength === 1) delete field.prop.minLength;
  }
  if (KINDS[field.kind] && KINDS[field.kind]().type === 'array') {
    if (required && !('minItems' in field.prop)) field.prop.minItems = 1;
    if (!required && field.prop.minItems === 1) delete field.prop.minItems;
  }
}

export function rename(model, fields, field, name) {
  const old = field.name;
  field.name = name;
  if (fields === model.fields && model.schema['x-title'] === old) model.schema = { ...model.schema, 'x-title': name };
  for (const other of fields) {
    if (other.prop && other.prop['x-not-before'] === old) other.prop['x-not-before'] = name;
  }
}

export function move(fields, index, by) {
  const to = index + by;
  if (to < 0 || to >= fields.length) return false;
  const [field] = fields.splice(index, 1);
  fields.splice(to, 0, field);
  return true;
}

/** Problems the editor can see itself, per field path ("photos.caption"), in the page's words (t). */
export function problemsOf(fields, t, prefix = '') {
  const found = [];
  const seen = new Set();
  for (const f of fields) {
    const path = prefix + f.name;
    if (!NAME.test(f.name)) found.push({ path, message: t('feNameBad') });
    else if (seen.has(f.name)) found.push({ path, message: t('feNameTaken') });
    seen.add(f.name);
    if (!f.prop || !String(f.prop.title || '').trim()) found.push({ path, message: t('feTitleMissing') });
    if ((f.kind === 'choice' || f.kind === 'multi') && optionsOf(f).length === 0) found.push({ path, message: t('feOptionsMissing') });
    if ((f.kind === 'choice' || f.kind === 'multi') && optionsOf(f).some((o) => String(o.const).trim() === '')) {
      found.push({ path, message: t('feOptionCode') });
    }
    if (f.kind === 'rows') {
      if (!f.fields.length) found.push({ path, message: t('feRowsEmpty') });
      found.push(...problemsOf(f.fields, t, `${path}.`));
    }
  }
  return found;
}
