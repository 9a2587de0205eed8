// Runs assets/form-model.js for tests/services/test_form_model.py: one JSON request per line on stdin,
// one JSON answer per line on stdout.
import { createInterface } from 'node:readline';
import * as model from '../../assets/form-model.js';

const t = (key) => key;

function apply(m, edit) {
  const fields = m.fields;
  const field = fields[edit.index];
  switch (edit.op) {
    case 'add': {
      const added = model.newField(fields, edit.kind, edit.title);
      if (edit.kind === 'choice' || edit.kind === 'multi') model.setOptions(added, edit.options);
      if (edit.kind === 'rows') added.fields.push(model.newField(added.fields, 'text', edit.title));
      fields.push(added);
      break;
    }
    case 'move': model.move(fields, edit.index, edit.by); break;
    case 'remove': fields.splice(edit.index, 1); break;
    case 'rename': model.rename(m, fields, field, edit.name); break;
    case 'kind':
      model.setKind(field, edit.kind);
      if (edit.kind === 'choice' || edit.kind === 'multi') model.setOptions(field, edit.options);
      if (edit.kind === 'rows') field.fields.push(model.newField(field.fields, 'text', 'ช่อง'));
      break;
    case 'required': model.setRequired(field, edit.value); break;
    case 'title': field.prop.title = edit.title; break;
    default: throw new Error(`unknown edit ${edit.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  const m = model.toModel(request.schema);
  const kinds = m.fields.map((f) => f.kind);
  for (const edit of request.edits || []) apply(m, edit);
  const out = { schema: model.toSchema(m), kinds, names: m.fields.map((f) => f.name), problems: model.problemsOf(m.fields, t) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
