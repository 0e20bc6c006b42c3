// A form generated from a JSON Schema, for any JSON value: objects as fieldsets, strings, numbers,
// integers, booleans and enums as labelled controls, arrays as lists with add and remove, maps
// (`additionalProperties` as a schema, or an object that declares no properties) as name/value
// rows, `oneOf`/`anyOf` as a choice of variant, local `$ref`s ("#/$defs/x") resolved against the
// root schema. Each schema's `description` is the control's hint, `default`s are filled in (or
// shown as placeholders), required members are marked with " *". Errors are given by JSON pointer
// (the server's 422 paths, less any prefix) and shown next to the control they name, whose wrapper
// carries `data-path`. Used for templates' configs and for the builder's step forms.
//
//   <SchemaForm schema={s} value={v} onChange={setV} path="" label="Config" errors={{'/table': 'must be …'}} />
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { resolve, type Schema } from './schema';
import './schemaform.css';

export type { Schema };

export type SchemaFormProps = {
  schema: Schema;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The JSON pointer of this value ("" for the whole), which finds its errors. */
  path: string;
  /** The control's label; the last part of `path` (or the schema's title) when left out. */
  label?: string;
  /** Errors by JSON pointer, each shown next to the control it names. */
  errors?: Record<string, string>;
  /** Whether the value is required by its parent (marked " *"). */
  required?: boolean;
  /** The schema `$ref`s point into; the top-level `schema` when left out. */
  root?: Schema;
};

/** What kind of control a (resolved) schema gets. */
function kindOf(schema: Schema): string {
  if (schema.enum || schema.const !== undefined) return 'enum';
  if (schema.oneOf || schema.anyOf) return 'variants';
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (t) return t;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items) return 'array';
  return 'json';
}

const options = (schema: Schema) => schema.enum ?? [schema.const];
const isComposite = (kind: string) => kind === 'object' || kind === 'array' || kind === 'variants';

/**
 * A value to start from: the schema's default; else for an object its required members and those
 * with a plain (not object or list) default; an empty list; false; the first option; "".
 */
export function initial(schema: Schema, root: Schema = schema): unknown {
  const s = resolve(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  switch (kindOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(s.properties ?? {})) {
        const member = resolve(sub, root);
        const plainDefault = member.default !== undefined && (member.default === null || typeof member.default !== 'object');
        if (s.required?.includes(key) || plainDefault) out[key] = initial(member, root);
      }
      return out;
    }
    case 'array':
      return [];
    case 'boolean':
      return false;
    case 'enum':
      return options(s)[0];
    case 'variants':
      return initial((s.oneOf ?? s.anyOf)![0], root);
    case 'integer':
    case 'number':
      return s.minimum ?? 0;
    default:
      return '';
  }
}

/** Whether a value is of a (resolved) schema's kind, to tell which variant it is. */
function matches(schema: Schema, value: unknown): boolean {
  const kind = kindOf(schema);
  if (kind === 'enum') return options(schema).some((o) => JSON.stringify(o) === JSON.stringify(value));
  if (kind === 'object') return !!value && typeof value === 'object' && !Array.isArray(value);
  if (kind === 'array') return Array.isArray(value);
  if (kind === 'integer') return Number.isInteger(value);
  if (kind === 'number') return typeof value === 'number';
  if (kind === 'null') return value === null;
  if (kind === 'json' || kind === 'variants') return true;
  return typeof value === kind;
}

let ids = 0;

function Hint({ schema, error }: { schema: Schema; error?: string }) {
  return (
    <>
      {schema.description ? <small class="muted hint">{schema.description}</small> : null}
      {error ? (
        <small class="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </>
  );
}

/** The form for `value` as `schema` describes it; every change answers the whole new value. */
export function SchemaForm(props: SchemaFormProps) {
  const { value, onChange, path, errors = {}, required } = props;
  const root = props.root ?? props.schema;
  const schema = resolve(props.schema, root);
  const [id] = useState(() => `sf${++ids}`);
  const label = props.label ?? schema.title ?? (path.split('/').pop() || 'Value');
  const name = `${label}${required ? ' *' : ''}`;
  const error = errors[path];
  const kind = kindOf(schema);
  const common = { root, errors };
  const field = (control: ComponentChildren) => (
    <div class="field" data-path={path}>
      <label for={id}>{name}</label>
      {control}
      <Hint schema={schema} error={error} />
    </div>
  );
  const placeholder = schema.default === undefined || typeof schema.default === 'object' ? undefined : `default: ${String(schema.default)}`;

  switch (kind) {
    case 'object': {
      const object = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
      const set = (key: string, v: unknown) => {
        const next = { ...object };
        if (v === undefined) delete next[key];
        else next[key] = v;
        onChange(next);
      };
      const known = Object.entries(schema.properties ?? {});
      // a map: additionalProperties as a schema, or an object declaring nothing it may not hold
      const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : schema.additionalProperties !== false && known.length === 0 ? {} : undefined;
      return (
        <fieldset class="schema-object" data-path={path}>
          <legend>{name}</legend>
          <Hint schema={schema} error={error} />
          {known.map(([key, sub]) => {
            const isRequired = !!schema.required?.includes(key);
            const composite = isComposite(kindOf(resolve(sub, root)));
            if (!isRequired && !(key in object) && composite) {
              return (
                <button type="button" class="add" onClick={() => set(key, initial(sub, root))}>
                  + {key}
                </button>
              );
            }
            return (
              <div class="schema-entry">
                <SchemaForm {...common} schema={sub} value={object[key]} onChange={(v) => set(key, v)} path={`${path}/${key}`} label={key} required={isRequired} />
                {!isRequired && composite ? (
                  <button type="button" class="link" onClick={() => set(key, undefined)}>
                    remove {key}
                  </button>
                ) : null}
              </div>
            );
          })}
          {extra ? <MapRows {...common} schema={extra} object={object} known={known.map(([k]) => k)} path={path} label={label} onChange={onChange} /> : null}
        </fieldset>
      );
    }
    case 'array': {
      const list = Array.isArray(value) ? value : [];
      const itemSchema = schema.items ?? {};
      return (
        <fieldset class="schema-array" data-path={path}>
          <legend>{name}</legend>
          <Hint schema={schema} error={error} />
          {list.map((item, i) => (
            <div class={isComposite(kindOf(resolve(itemSchema, root))) ? 'schema-entry' : 'schema-entry inline'}>
              <SchemaForm {...common} schema={itemSchema} value={item} onChange={(v) => onChange(list.map((x, j) => (j === i ? v : x)))} path={`${path}/${i}`} label={`${label} ${i + 1}`} />
              <button type="button" class="link" aria-label={`remove ${label} ${i + 1}`} onClick={() => onChange(list.filter((_, j) => j !== i))}>
                remove
              </button>
            </div>
          ))}
          <button type="button" class="add" onClick={() => onChange([...list, initial(itemSchema, root)])}>
            + add {label}
          </button>
        </fieldset>
      );
    }
    case 'variants': {
      const variants = (schema.oneOf ?? schema.anyOf)!.map((v) => resolve(v, root));
      const current = Math.max(0, variants.findIndex((v) => matches(v, value)));
      const variantName = (v: Schema, i: number) =>
        v.title ?? (v.enum ? `one of ${v.enum.join(', ')}` : v.const !== undefined ? String(v.const) : Array.isArray(v.type) ? v.type.join(' or ') : v.type ?? (v.required ? `with ${v.required.join(', ')}` : `variant ${i + 1}`));
      return (
        <div class="schema-variants" data-path={path}>
          <div class="field">
            <label for={id}>{`${name} (kind)`}</label>
            <select id={id} value={current} onChange={(e) => onChange(initial(variants[Number(e.currentTarget.value)], root))}>
              {variants.map((v, i) => (
                <option value={i}>{variantName(v, i)}</option>
              ))}
            </select>
            {schema.description ? <small class="muted hint">{schema.description}</small> : null}
          </div>
          <SchemaForm {...common} schema={variants[current]} value={value} onChange={onChange} path={path} label={label} required={required} />
        </div>
      );
    }
    case 'enum': {
      const choices = options(schema);
      const chosen = choices.findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
      return field(
        <select id={id} aria-required={required} value={chosen < 0 ? '' : String(chosen)} onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : choices[Number(e.currentTarget.value)])}>
          {!required || chosen < 0 ? <option value="">{placeholder ?? '—'}</option> : null}
          {choices.map((v, i) => (
            <option value={String(i)}>{String(v)}</option>
          ))}
        </select>,
      );
    }
    case 'boolean':
      return (
        <div class="field check" data-path={path}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
          <label for={id}>{name}</label>
          <Hint schema={schema} error={error} />
        </div>
      );
    case 'integer':
    case 'number':
      return field(
        <input id={id} type="number" inputMode={kind === 'integer' ? 'numeric' : 'decimal'} step={kind === 'integer' ? 1 : 'any'} min={schema.minimum} max={schema.maximum} aria-required={required} placeholder={placeholder}
          value={typeof value === 'number' ? String(value) : ''} onInput={(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))} />,
      );
    case 'string': {
      const text = typeof value === 'string' ? value : '';
      const set = (t: string) => onChange(t === '' && !required ? undefined : t);
      // an input would drop a multi-line value's line breaks
      return field(
        text.includes('\n') ? (
          <textarea id={id} rows={Math.min(12, text.split('\n').length + 1)} aria-required={required} value={text} onInput={(e) => set(e.currentTarget.value)} />
        ) : (
          <input id={id} aria-required={required} placeholder={placeholder} value={text} onInput={(e) => set(e.currentTarget.value)} />
        ),
      );
    }
    default:
      return field(<JsonInput id={id} value={value} onChange={onChange} />);
  }
}

/** Name/value rows for a map's entries (those not among the declared properties), each value its own form. */
function MapRows(props: { schema: Schema; object: Record<string, unknown>; known: string[]; path: string; label: string; root: Schema; errors: Record<string, string>; onChange: (v: unknown) => void }) {
  const { schema, object, known, path, label, root, errors, onChange } = props;
  const [newKey, setNewKey] = useState('');
  const keys = Object.keys(object).filter((k) => !known.includes(k));
  const without = (key: string) => {
    const next = { ...object };
    delete next[key];
    return next;
  };
  return (
    <div class="schema-map">
      {keys.map((key) => (
        <div class="schema-entry">
          <SchemaForm schema={schema} root={root} errors={errors} value={object[key]} onChange={(v) => onChange({ ...object, [key]: v })} path={`${path}/${key}`} label={key} />
          <button type="button" class="link" onClick={() => onChange(without(key))}>
            remove {key}
          </button>
        </div>
      ))}
      <div class="row">
        <input aria-label={`New name in ${label}`} placeholder="name" value={newKey} onInput={(e) => setNewKey(e.currentTarget.value)} />
        <button type="button" class="add" aria-label={`Add to ${label}`} disabled={!newKey || newKey in object} onClick={() => { onChange({ ...object, [newKey]: initial(schema, root) }); setNewKey(''); }}>
          + add
        </button>
      </div>
    </div>
  );
}

/** Any JSON value, as text: JSON when it reads as JSON, else the text as a string. */
function JsonInput({ id, value, onChange }: { id: string; value: unknown; onChange: (v: unknown) => void }) {
  const shown = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const [text, setText] = useState(() => shown(value));
  const read = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  };
  // a value changed from elsewhere (the raw JSON) is shown; one that reads back the same keeps the text
  const current = JSON.stringify(read(text)) === JSON.stringify(value) || (text === '' && value === undefined) ? text : shown(value);
  return (
    <input
      id={id}
      class="mono"
      value={current}
      onInput={(e) => {
        setText(e.currentTarget.value);
        onChange(e.currentTarget.value === '' ? undefined : read(e.currentTarget.value));
      }}
    />
  );
}
