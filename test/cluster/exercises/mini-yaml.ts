// A small YAML reader for the block-style subset our compose files and Kubernetes manifests
// use: mappings, sequences (of scalars or mappings), plain and quoted scalars, flow
// sequences of scalars (`["a", "b"]`), comments, and `---` between documents. Anything
// else (anchors, block scalars, flow mappings, multi-line strings) is refused with an error
// rather than misread. Replace with the `yaml` package when it becomes a dependency.

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

export class YamlSubsetError extends Error {
  override readonly name = 'YamlSubsetError';
}

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

export function parseYamlDocuments(source: string): Yaml[] {
  const docs: Line[][] = [[]];
  source.split('\n').forEach((raw, i) => {
    if (/^---\s*$/.test(raw)) {
      docs.push([]);
      return;
    }
    const text = stripComment(raw).replace(/\s+$/, '');
    if (text.trim() === '') return;
    if (/\t/.test(raw.slice(0, raw.length - raw.trimStart().length))) throw new YamlSubsetError(`line ${i + 1}: tab indentation`);
    docs[docs.length - 1]!.push({ indent: text.length - text.trimStart().length, text: text.trim(), no: i + 1 });
  });
  return docs.filter((d) => d.length > 0).map((lines) => {
    const pos = { i: 0 };
    const value = parseBlock(lines, pos, lines[0]!.indent);
    if (pos.i < lines.length) throw new YamlSubsetError(`line ${lines[pos.i]!.no}: unexpected indentation`);
    return value;
  });
}

export function parseYaml(source: string): Yaml {
  const docs = parseYamlDocuments(source);
  if (docs.length !== 1) throw new YamlSubsetError(`expected one document, found ${docs.length}`);
  return docs[0]!;
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function parseBlock(lines: Line[], pos: { i: number }, indent: number): Yaml {
  const first = lines[pos.i]!;
  return first.text.startsWith('- ') || first.text === '-' ? parseSequence(lines, pos, indent) : parseMapping(lines, pos, indent);
}

function parseSequence(lines: Line[], pos: { i: number }, indent: number): Yaml[] {
  const out: Yaml[] = [];
  while (pos.i < lines.length && lines[pos.i]!.indent === indent && (lines[pos.i]!.text.startsWith('- ') || lines[pos.i]!.text === '-')) {
    const line = lines[pos.i]!;
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      pos.i++;
      out.push(pos.i < lines.length && lines[pos.i]!.indent > indent ? parseBlock(lines, pos, lines[pos.i]!.indent) : null);
    } else if (isKeyLine(rest)) {
      // "- key: value" starts a mapping whose keys sit at the column after "- ".
      const column = indent + (line.text.length - rest.length);
      lines[pos.i] = { indent: column, text: rest, no: line.no };
      out.push(parseMapping(lines, pos, column));
    } else {
      out.push(scalar(rest, line.no));
      pos.i++;
    }
  }
  return out;
}

function isKeyLine(text: string): boolean {
  return /^("[^"]*"|'[^']*'|[^\s"'{[][^:]*?):(\s|$)/.test(text);
}

function parseMapping(lines: Line[], pos: { i: number }, indent: number): { [key: string]: Yaml } {
  const out: { [key: string]: Yaml } = {};
  while (pos.i < lines.length && lines[pos.i]!.indent === indent) {
    const line = lines[pos.i]!;
    const m = /^("[^"]*"|'[^']*'|[^\s"'{[][^:]*?):(?:\s+(.*))?$/.exec(line.text);
    if (!m) throw new YamlSubsetError(`line ${line.no}: expected "key: value", got "${line.text}"`);
    const key = unquote(m[1]!);
    if (Object.hasOwn(out, key)) throw new YamlSubsetError(`line ${line.no}: duplicate key "${key}"`);
    pos.i++;
    const inline = m[2];
    if (inline !== undefined && inline !== '') {
      out[key] = scalar(inline, line.no);
    } else if (pos.i < lines.length && (lines[pos.i]!.indent > indent || (lines[pos.i]!.indent === indent && lines[pos.i]!.text.startsWith('- ')))) {
      out[key] = parseBlock(lines, pos, lines[pos.i]!.indent);
    } else {
      out[key] = null;
    }
  }
  return out;
}

function unquote(s: string): string {
  if (s.startsWith('"') && s.endsWith('"')) return JSON.parse(s) as string;
  if (s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function scalar(text: string, no: number): Yaml {
  if (/^[|>&*!{]/.test(text)) throw new YamlSubsetError(`line ${no}: "${text}" is outside the YAML subset this reader supports`);
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new YamlSubsetError(`line ${no}: multi-line flow sequence`);
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    return splitFlow(inner).map((part) => scalar(part.trim(), no));
  }
  if (text.startsWith('"') || text.startsWith("'")) return unquote(text);
  if (text === 'null' || text === '~') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

function splitFlow(s: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
