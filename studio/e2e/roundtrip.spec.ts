// The builder's edits, run in Node on the YAML text as the code editor has it: the comments, the
// key order and every untouched value survive adding, moving, editing and removing steps, and the
// spec they make is the one intended. No browser and no server are needed.
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { addSteps, classify, moveStep, PALETTE, removeStep, setAt, uniqueId } from '../src/endpoint/flow';
import { editDraft, readSpec, type Draft, type Step } from '../src/endpoint/model';

const TEXT = `# Projects, newest first. (this comment must survive)
name: projects # the endpoint's name
description: Lists projects
method: GET
path: /api/projects
input:
  query:
    limit: { type: integer, default: 10 } # flow style kept
steps:
  # the data source
  - id: rows
    sql: select id, name from app.projects limit :limit # inline SQL comment
    params:
      limit: \${input.query.limit}
  - id: shape # reshapes the rows
    script: |
      // keep the names
      return ctx.steps.rows.rows.map((r) => r.name);
response:
  # the body comment
  body: \${steps.shape}
`;

const yaml = (text: string): Draft => ({ text, format: 'yaml' });

test('edits keep comments, key order and untouched values', () => {
  let draft = yaml(TEXT);
  const ids = () => (readSpec(draft).spec!.steps as Step[]).map((s) => s.id);
  const sql = PALETTE.find((p) => p.label === 'SQL query')!;
  draft = editDraft(draft, (doc) => addSteps(doc, sql.make(uniqueId(readSpec(draft).spec!.steps as Step[], sql.base))));
  draft = editDraft(draft, (doc) => setAt(doc, ['steps', 2, 'sql'], 'select count(*) as n\nfrom app.projects'));
  draft = editDraft(draft, (doc) => moveStep(doc, 2, 0));
  expect(ids()).toEqual(['query1', 'rows', 'shape']);
  draft = editDraft(draft, (doc) => setAt(doc, ['name'], 'projects-v2'));
  draft = editDraft(draft, (doc) => setAt(doc, ['steps', 1, 'expect'], 'many'));
  draft = editDraft(draft, (doc) => setAt(doc, ['response', 'status'], 200));
  draft = editDraft(draft, (doc) => setAt(doc, ['response', 'headers', 'Cache-Control'], 'no-store'));
  draft = editDraft(draft, (doc) => removeStep(doc, 0));
  draft = editDraft(draft, (doc) => setAt(doc, ['description'], undefined));

  for (const comment of [
    '# Projects, newest first. (this comment must survive)',
    "name: projects-v2 # the endpoint's name",
    '# flow style kept',
    '# the data source',
    '# inline SQL comment',
    '- id: shape # reshapes the rows',
    '// keep the names',
    '# the body comment',
  ])
    expect(draft.text).toContain(comment);
  expect(Object.keys(parse(draft.text))).toEqual(['name', 'method', 'path', 'input', 'steps', 'response']);
  expect(parse(draft.text)).toEqual({
    name: 'projects-v2',
    method: 'GET',
    path: '/api/projects',
    input: { query: { limit: { type: 'integer', default: 10 } } },
    steps: [
      { id: 'rows', sql: 'select id, name from app.projects limit :limit', params: { limit: '${input.query.limit}' }, expect: 'many' },
      { id: 'shape', script: '// keep the names\nreturn ctx.steps.rows.rows.map((r) => r.name);\n' },
    ],
    response: { body: '${steps.shape}', status: 200, headers: { 'Cache-Control': 'no-store' } },
  });
});

test('a multi-line SQL edit is a literal block, and moving a step moves its comments with it', () => {
  let draft = editDraft(yaml(TEXT), (doc) => setAt(doc, ['steps', 0, 'sql'], 'select id, name\nfrom app.projects\nlimit :limit'));
  expect(draft.text).toContain('    sql: |- # inline SQL comment\n      select id, name\n      from app.projects\n      limit :limit\n');
  draft = editDraft(draft, (doc) => moveStep(doc, 1, 0));
  expect(draft.text.indexOf('- id: shape # reshapes the rows')).toBeLessThan(draft.text.indexOf('- id: rows'));
});

test('steps are made before the response when the spec has none, and a JSON draft stays JSON', () => {
  const bare = yaml('# a comment\nname: bare\nmethod: GET\npath: /api/bare\nresponse:\n  body: {}\n');
  const branch = PALETTE.find((p) => p.label === 'Branch')!;
  const made = editDraft(bare, (doc) => addSteps(doc, branch.make('branch1')));
  expect(made.text.startsWith('# a comment\n')).toBe(true);
  expect(Object.keys(parse(made.text))).toEqual(['name', 'method', 'path', 'steps', 'response']);
  const steps = parse(made.text).steps as Step[];
  expect(steps.map((s) => s.id)).toEqual(['branch1', 'branch1']);
  expect(classify(steps, 0)).toMatchObject({ category: 'branch', branch: { alternative: 1, of: 2 } });
  expect(classify(steps, 1)).toMatchObject({ category: 'branch', branch: { alternative: 2, of: 2, condition: undefined } });

  const json: Draft = { text: JSON.stringify({ name: 'j', method: 'GET', path: '/j', steps: [{ id: 'a', sql: 'select 1' }] }, null, 2) + '\n', format: 'json' };
  const edited = editDraft(json, (doc) => setAt(doc, ['steps', 0, 'expect'], 'one'));
  expect(edited.format).toBe('json');
  expect(JSON.parse(edited.text).steps[0]).toEqual({ id: 'a', sql: 'select 1', expect: 'one' });
});

test('each kind of step is classified from its fields', () => {
  const steps: Step[] = [
    { id: 'a', sql: 'select 1' },
    { id: 'b', script: 'return 1;' },
    { id: 'c', validate: '${input.body}', schema: { type: 'object' } },
    { id: 'd', respond: { status: 204 } },
    { id: 'e', when: '${true}', sql: 'select 2' },
    { id: 'f' },
  ];
  expect(steps.map((_, i) => classify(steps, i).category)).toEqual(['source', 'transform', 'validate', 'respond', 'branch', 'unknown']);
  expect(classify(steps, 4).kind.category).toBe('source');
});
