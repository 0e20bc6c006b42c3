// A form generated from a JSON Schema: objects as fieldsets, strings, numbers, booleans and enums
// as labelled controls, arrays as lists with add and remove, maps (additionalProperties) as
// name/value rows, oneOf/anyOf as a choice of variant. Used for templates' configs and steps.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  default?: unknown;
  description?: string;
  title?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  [more: string]: unknown;
};

type Props = {
  schema: Schema;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The JSON pointer of this value, which names its controls and finds its errors. */
  path: string;
  label: string;
  /** Errors by JSON pointer, shown next to their control. */
  errors?: Record<string, string>;
  required?: boolean;
};

function typeOf(schema: Schema): string {
  if (schema.enum) return 'enum';
  if (schema.oneOf || schema.anyOf) return 'variants';
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (t) return t;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items) return 'array';
  return 'json';
}

/** A value of the schema's kind to start from: its default, else an empty one. */
export function initial(schema: Schema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) if (schema.properties?.[key]) out[key] = initial(schema.properties[key]);
      return out;
    }
    case 'array':
      return [];
    case 'boolean':
      return false;
    case 'enum':
      return schema.enum![0];
    default:
      return typeOf(schema) === 'variants' ? initial((schema.oneOf ?? schema.anyOf)![0]) : '';
  }
}

function matches(schema: Schema, value: unknown): boolean {
  const t = typeOf(schema);
  if (t === 'enum') return schema.enum!.includes(value);
  if (t === 'object') return !!value && typeof value === 'object' && !Array.isArray(value);
  if (t === 'array') return Array.isArray(value);
  if (t === 'integer' || t === 'number') return typeof value === 'number';
  return typeof value === t;
}

let ids = 0;

function Hint({ schema, error }: { schema: Schema; error?: string }) {
  return (
    <>
      {schema.description ? <small class="muted">{schema.description}</small> : null}
      {error ? (
        <small class="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </>
  );
}

export function SchemaForm({ schema, value, onChange, path, label, errors = {}, required }: Props) {
  const [id] = useState(() => `s${++ids}`);
  const error = errors[path];
  const kind = typeOf(schema);
  const name = `${label}${required ? ' *' : ''}`;
  const field = (control: ComponentChildren) => (
    <div class="field" data-path={path}>
      <label for={id}>{name}</label>
      {control}
      <Hint schema={schema} error={error} />
    </div>
  );
  switch (kind) {
    case 'object': {
      const object = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
      const set = (key: string, v: unknown) => {
        const next = { ...object };
        if (v === undefined || v === '') delete next[key];
        else next[key] = v;
        onChange(next);
      };
      const known = Object.entries(schema.properties ?? {});
      const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      return (
        <fieldset class="schema-object" data-path={path}>
          <legend>{name}</legend>
          <Hint schema={schema} error={error} />
          {known.map(([key, sub]) => {
            const isRequired = schema.required?.includes(key);
            const present = key in object;
            if (!isRequired && !present && (typeOf(sub) === 'object' || typeOf(sub) === 'array' || typeOf(sub) === 'variants')) {
              return (
                <button type="button" class="add" onClick={() => set(key, initial(sub))}>
                  + {key}
                </button>
              );
            }
            return (
              <div class="schema-entry">
                <SchemaForm schema={sub} value={object[key]} onChange={(v) => set(key, v)} path={`${path}/${key}`} label={key} errors={errors} required={isRequired} />
                {!isRequired && present && (typeOf(sub) === 'object' || typeOf(sub) === 'array' || typeOf(sub) === 'variants') ? (
                  <button type="button" class="link" onClick={() => set(key, undefined)}>
                    remove {key}
                  </button>
                ) : null}
              </div>
            );
          })}
          {extra ? <MapRows schema={extra} object={object} known={known.map(([k]) => k)} path={path} errors={errors} onChange={onChange} /> : null}
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
            <div class="schema-entry">
              <SchemaForm schema={itemSchema} value={item} onChange={(v) => onChange(list.map((x, j) => (j === i ? v : x)))} path={`${path}/${i}`} label={`${label} ${i + 1}`} errors={errors} />
              <button type="button" class="link" onClick={() => onChange(list.filter((_, j) => j !== i))}>
                remove {label} {i + 1}
              </button>
            </div>
          ))}
          <button type="button" class="add" onClick={() => onChange([...list, initial(itemSchema)])}>
            + add {label}
          </button>
        </fieldset>
      );
    }
    case 'variants': {
      const variants = (schema.oneOf ?? schema.anyOf)!;
      const current = Math.max(0, variants.findIndex((v) => matches(v, value)));
      const variantName = (v: Schema, i: number) => v.title ?? (v.enum ? `one of ${v.enum.join(', ')}` : (Array.isArray(v.type) ? v.type.join('/') : v.type) ?? `variant ${i + 1}`);
      return (
        <div class="schema-variants" data-path={path}>
          {field(
            <select id={id} value={current} onChange={(e) => onChange(initial(variants[Number(e.currentTarget.value)]))}>
              {variants.map((v, i) => (
                <option value={i}>{variantName(v, i)}</option>
              ))}
            </select>,
          )}
          <SchemaForm schema={variants[current]} value={value} onChange={onChange} path={path} label={`${label} (${variantName(variants[current], current)})`} errors={{}} />
        </div>
      );
    }
    case 'enum':
      return field(
        <select id={id} value={JSON.stringify(value ?? null)} onChange={(e) => onChange(JSON.parse(e.currentTarget.value))}>
          {value === undefined ? <option value="null">—</option> : null}
          {schema.enum!.map((v) => (
            <option value={JSON.stringify(v)}>{String(v)}</option>
          ))}
        </select>,
      );
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
        <input id={id} type="number" step={kind === 'integer' ? 1 : 'any'} min={schema.minimum} max={schema.maximum} value={value === undefined ? '' : String(value)}
          onInput={(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))} />,
      );
    case 'string':
      return field(<input id={id} value={typeof value === 'string' ? value : ''} pattern={schema.pattern} onInput={(e) => onChange(e.currentTarget.value)} />);
    default:
      return field(<JsonInput id={id} value={value} onChange={onChange} />);
  }
}

/** Name/value rows for a map's entries (additionalProperties), each value its own form. */
function MapRows({ schema, object, known, path, errors, onChange }: { schema: Schema; object: Record<string, unknown>; known: string[]; path: string; errors: Record<string, string>; onChange: (v: unknown) => void }) {
  const [newKey, setNewKey] = useState('');
  const keys = Object.keys(object).filter((k) => !known.includes(k));
  return (
    <div class="schema-map">
      {keys.map((key) => (
        <div class="schema-entry">
          <SchemaForm schema={schema} value={object[key]} onChange={(v) => onChange({ ...object, [key]: v })} path={`${path}/${key}`} label={key} errors={errors} />
          <button type="button" class="link" onClick={() => { const next = { ...object }; delete next[key]; onChange(next); }}>
            remove {key}
          </button>
        </div>
      ))}
      <div class="row">
        <input aria-label={`New name in ${path || 'the config'}`} placeholder="name" value={newKey} onInput={(e) => setNewKey(e.currentTarget.value)} />
        <button type="button" class="add" disabled={!newKey || newKey in object} onClick={() => { onChange({ ...object, [newKey]: initial(schema) }); setNewKey(''); }}>
          + add
        </button>
      </div>
    </div>
  );
}

/** Any JSON value, as text: JSON when it reads as JSON, else the text as a string. */
function JsonInput({ id, value, onChange }: { id: string; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value)));
  const read = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  };
  return (
    <input
      id={id}
      class="mono"
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        onChange(e.currentTarget.value === '' ? undefined : read(e.currentTarget.value));
      }}
    />
  );
}
