// The builder's forms, generated from the spec's JSON Schema (its $refs resolved): a field for each
// property of a step, of the request or of the response — text (a text area for long text such as
// SQL and scripts), numbers, choices, checkboxes, name/value rows for maps (params, headers), lists,
// a choice of variant (auth as a word or with settings), and a JSON-or-text box for expressions.
// Every change is one edit at one path of the spec (undefined deletes), so the builder can make it
// in the YAML document and leave every other node, and its comments, as they are.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Path, Schema } from './flow';

export type OnSet = (path: Path, value: unknown) => void;

type FieldProps = {
  schema: Schema;
  value: unknown;
  path: Path;
  label: string;
  required?: boolean;
  /** The value stays (no "not set", an emptied text stays ""), as a list's item or a chosen variant's. */
  fixed?: boolean;
  onSet: OnSet;
  /** Problems by JSON pointer (a refused save's), shown at their field. */
  errors: Record<string, string>;
};

let ids = 0;
const useId = () => useState(() => `sf${++ids}`)[0];

const pointer = (path: Path) => '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

type Shape = 'enum' | 'variants' | 'object' | 'map' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'value';

function shapeOf(schema: Schema): Shape {
  if (schema.enum) return 'enum';
  if (schema.oneOf || schema.anyOf) return 'variants';
  if (schema.properties) return 'object';
  if (typeof schema.additionalProperties === 'object') return 'map';
  const type = schema.type;
  if (type === 'object') return 'object';
  if (type === 'array' || schema.items) return 'array';
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  return 'value';
}

/** A value of the schema's shape to start from: its required properties filled, else an empty one. */
function initial(schema: Schema): unknown {
  switch (shapeOf(schema)) {
    case 'enum':
      return schema.enum![0];
    case 'variants':
      return initial((schema.oneOf ?? schema.anyOf)![0]);
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, initial(schema.properties?.[k] ?? {})]));
    case 'map':
      return {};
    case 'array':
      return [];
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    default:
      return '';
  }
}

function matches(schema: Schema, value: unknown): boolean {
  switch (shapeOf(schema)) {
    case 'enum':
      return schema.enum!.includes(value);
    case 'object':
    case 'map':
      return !!value && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string' && (!schema.pattern || new RegExp(schema.pattern).test(value));
    default:
      return typeof value === schema.type;
  }
}

function variantName(schema: Schema): string {
  if (schema.title) return schema.title;
  if (schema.enum) return `a word: ${schema.enum.join(', ')}`;
  if (schema.type === 'object') return 'with settings';
  if (schema.type === 'integer' || schema.type === 'number') return 'a number';
  if (schema.type === 'string' && schema.pattern?.startsWith('^\\$\\{')) return 'an expression ${…}';
  return String(schema.type ?? 'a value');
}

/** The label, its hint (saying when the value is required) and its problem around one control. */
function Labelled({ id, label, required, schema, error, children }: { id: string; label: string; required?: boolean; schema: Schema; error?: string; children: ComponentChildren }) {
  const hint = [required ? 'Required.' : '', schema.description ?? ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <small class="muted" id={`${id}-hint`}>
          {hint}
        </small>
      ) : null}
      {error ? (
        <small class="field-error" id={`${id}-error`}>
          {error}
        </small>
      ) : null}
    </div>
  );
}

/** One property of the spec, its control chosen by its schema. */
export function SchemaField(props: FieldProps) {
  switch (shapeOf(props.schema)) {
    case 'object':
      return <ObjectField {...props} />;
    case 'map':
      return <MapField {...props} />;
    case 'array':
      return <ListField {...props} />;
    case 'variants':
      return <VariantField {...props} />;
    default:
      return <ScalarField {...props} />;
  }
}

/** The listed properties of an object schema (all of them when `keys` is not given). */
export function Fields({ schema, value, path, onSet, errors, keys }: Omit<FieldProps, 'label' | 'required'> & { keys?: string[] }) {
  const object = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const names = (keys ?? Object.keys(schema.properties ?? {})).filter((k) => schema.properties?.[k]);
  return (
    <>
      {names.map((key) => (
        <SchemaField
          key={key}
          schema={schema.properties![key]}
          value={object[key]}
          path={[...path, key]}
          label={key}
          required={schema.required?.includes(key)}
          onSet={onSet}
          errors={errors}
        />
      ))}
    </>
  );
}

function ObjectField({ schema, value, path, label, required, fixed, onSet, errors }: FieldProps) {
  const present = !!value && typeof value === 'object';
  const keep = required || fixed;
  if (!present && !keep) {
    return (
      <div class="field">
        <button type="button" class="add" onClick={() => onSet(path, initial(schema))}>
          + Add {label}
        </button>
        {schema.description ? <small class="muted">{schema.description}</small> : null}
      </div>
    );
  }
  return (
    <fieldset>
      <legend>{label}</legend>
      {schema.description ? <small class="muted">{schema.description}</small> : null}
      <Fields schema={schema} value={value} path={path} onSet={onSet} errors={errors} />
      {keep ? null : (
        <button type="button" class="link" onClick={() => onSet(path, undefined)}>
          Remove {label}
        </button>
      )}
    </fieldset>
  );
}

/** Name/value rows: params, headers, the input's fields. */
function MapField({ schema, value, path, label, onSet, errors }: FieldProps) {
  const [name, setName] = useState('');
  const id = useId();
  const object = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const each = schema.additionalProperties as Schema;
  const namePattern = (schema.propertyNames as Schema | undefined)?.pattern;
  const nameOk = !!name && !(name in object) && (!namePattern || new RegExp(namePattern).test(name));
  const add = () => {
    onSet([...path, name], initial(each));
    setName('');
  };
  return (
    <fieldset class="map">
      <legend>{label}</legend>
      {schema.description ? <small class="muted">{schema.description}</small> : null}
      {Object.keys(object).map((key) => (
        <div class="map-row" key={key}>
          <SchemaField schema={each} value={object[key]} path={[...path, key]} label={key} onSet={onSet} errors={errors} />
          <button type="button" class="link" aria-label={`Remove ${key} from ${label}`} onClick={() => onSet([...path, key], undefined)}>
            Remove
          </button>
        </div>
      ))}
      <div class="row add-row">
        <div class="field">
          <label for={id}>New name in {label}</label>
          <input id={id} value={name} onInput={(e) => setName(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && nameOk && (e.preventDefault(), add())} />
        </div>
        <button type="button" class="add" disabled={!nameOk} onClick={add}>
          + Add to {label}
        </button>
      </div>
    </fieldset>
  );
}

function ListField({ schema, value, path, label, onSet, errors }: FieldProps) {
  const list = Array.isArray(value) ? value : [];
  const item = schema.items ?? {};
  return (
    <fieldset class="list">
      <legend>{label}</legend>
      {schema.description ? <small class="muted">{schema.description}</small> : null}
      {list.map((entry, i) => (
        <div class="map-row">
          <SchemaField schema={item} value={entry} path={[...path, i]} label={`${label} ${i + 1}`} fixed onSet={onSet} errors={errors} />
          <button type="button" class="link" aria-label={`Remove ${label} ${i + 1}`} onClick={() => onSet(list.length === 1 ? path : [...path, i], undefined)}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="add" onClick={() => onSet(list.length ? [...path, list.length] : path, list.length ? initial(item) : [initial(item)])}>
        + Add to {label}
      </button>
    </fieldset>
  );
}

/** oneOf/anyOf: which variant, then that variant's control. */
function VariantField({ schema, value, path, label, required, fixed, onSet, errors }: FieldProps) {
  const id = useId();
  const variants = (schema.oneOf ?? schema.anyOf)!;
  const current = value === undefined ? -1 : variants.findIndex((v) => matches(v, value));
  return (
    <div class="variants">
      <Labelled id={id} label={label} schema={schema} error={errors[pointer(path)]}>
        <select id={id} value={String(current)} onChange={(e) => {
          const i = Number(e.currentTarget.value);
          onSet(path, i < 0 ? undefined : initial(variants[i]));
        }}>
          {current < 0 || !(required || fixed) ? <option value="-1">{value === undefined ? '— not set —' : '— not one of these —'}</option> : null}
          {variants.map((v, i) => (
            <option value={String(i)}>{variantName(v)}</option>
          ))}
        </select>
      </Labelled>
      {current >= 0 ? <SchemaField schema={variants[current]} value={value} path={path} label={`${label} value`} fixed onSet={onSet} errors={errors} /> : null}
    </div>
  );
}

/** Strings that may be this long (SQL, scripts, descriptions) are edited in a text area. */
const LONG_TEXT = 4000;

/** A text, number, choice, checkbox or expression control. */
function ScalarField({ schema, value, path, label, required, fixed, onSet, errors }: FieldProps) {
  const id = useId();
  const error = errors[pointer(path)];
  const described = [schema.description || required ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': described, 'aria-invalid': error ? true : undefined, 'aria-required': required || undefined };
  const keep = required || fixed;
  const emptyIs = (v: unknown) => (v === '' && !keep ? undefined : v);
  const shape = shapeOf(schema);
  let control: ComponentChildren;
  if (shape === 'enum') {
    const index = schema.enum!.findIndex((v) => v === value);
    control = (
      <select {...common} value={String(index)} onChange={(e) => onSet(path, Number(e.currentTarget.value) < 0 ? undefined : schema.enum![Number(e.currentTarget.value)])}>
        {index < 0 || !keep ? <option value="-1">{value === undefined ? '— not set —' : `— ${String(value)} (not allowed) —`}</option> : null}
        {schema.enum!.map((v, i) => (
          <option value={String(i)}>{String(v)}</option>
        ))}
      </select>
    );
  } else if (shape === 'boolean') {
    return (
      <div class="field check">
        <input type="checkbox" {...common} checked={value === true} onChange={(e) => onSet(path, e.currentTarget.checked)} />
        <label for={id}>{label}</label>
        {schema.description ? <small class="muted" id={`${id}-hint`}>{schema.description}</small> : null}
      </div>
    );
  } else if (shape === 'integer' || shape === 'number') {
    control = (
      <input type="number" {...common} step={shape === 'integer' ? 1 : 'any'} min={schema.minimum} max={schema.maximum} value={typeof value === 'number' ? String(value) : ''}
        onInput={(e) => onSet(path, e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))} />
    );
  } else if (shape === 'string' && (schema.maxLength ?? 0) >= LONG_TEXT) {
    const text = typeof value === 'string' ? value : '';
    control = <textarea {...common} class="code" spellcheck={false} rows={Math.min(16, Math.max(3, text.split('\n').length + 1))} value={text} onInput={(e) => onSet(path, emptyIs(e.currentTarget.value))} />;
  } else if (shape === 'string') {
    control = <input {...common} value={typeof value === 'string' ? value : ''} onInput={(e) => onSet(path, emptyIs(e.currentTarget.value))} />;
  } else {
    control = <ValueInput common={common} value={value} jsonOnly={schema.type !== undefined} onChange={(v) => onSet(path, v)} />;
  }
  return (
    <Labelled id={id} label={label} required={required} schema={schema} error={error}>
      {control}
    </Labelled>
  );
}

type Read = { value: unknown } | { problem: string };

/**
 * What an expression box holds: text (with ${...} parts) is a string; what reads as JSON (an
 * object, a list, a number, true, false, null, a quoted string) is that value.
 */
function readValue(text: string, jsonOnly: boolean): Read {
  const trimmed = text.trim();
  if (!trimmed) return { value: undefined };
  const looksJson = jsonOnly || /^[[{"]/.test(trimmed) || /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(trimmed);
  if (!looksJson) return { value: text };
  try {
    return { value: JSON.parse(trimmed) };
  } catch (e) {
    return { problem: `Not JSON yet: ${(e as Error).message}` };
  }
}

function showValue(value: unknown, jsonOnly: boolean): string {
  if (value === undefined) return '';
  if (typeof value === 'string' && !jsonOnly) {
    const read = readValue(value, false);
    return 'value' in read && read.value === value ? value : JSON.stringify(value);
  }
  return JSON.stringify(value, null, 2);
}

function ValueInput({ common, value, jsonOnly, onChange }: { common: Record<string, unknown>; value: unknown; jsonOnly: boolean; onChange: (v: unknown) => void }) {
  const shown = showValue(value, jsonOnly);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState<string>();
  // the value changed elsewhere (the code editor, another node's edit): show it
  useEffect(() => {
    const read = readValue(text, jsonOnly);
    if (!('value' in read) || JSON.stringify(read.value) !== JSON.stringify(value)) {
      setText(shown);
      setProblem(undefined);
    }
  }, [shown]);
  return (
    <>
      <textarea
        {...common}
        class="code"
        spellcheck={false}
        rows={Math.min(12, Math.max(1, text.split('\n').length))}
        value={text}
        onInput={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          const read = readValue(next, jsonOnly);
          setProblem('problem' in read ? read.problem : undefined);
          if ('value' in read) onChange(read.value);
        }}
      />
      <small class="muted">{jsonOnly ? 'As JSON.' : 'Text (with ${…} parts) or JSON.'}</small>
      {problem ? <small class="field-error">{problem}</small> : null}
    </>
  );
}
