import { DataFileError } from './data-error.js';

/**
 * RFC 4180 CSV with a header row: quoted fields may hold commas, quotes ("")
 * and newlines. Returns one object per record, keyed by the header, with the
 * line number where the record starts.
 */
export function parseCsv(content: string, displayPath: string): { line: number; value: Record<string, string> }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const text = content.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.some((value) => value !== '')) records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      line++;
      recordLine = line;
    } else field += char;
  }
  if (quoted) throw new DataFileError([`${displayPath}:${recordLine}: a quoted field is never closed`]);
  fields.push(field);
  if (fields.some((value) => value !== '')) records.push({ line: recordLine, fields });

  const [header, ...body] = records;
  if (!header) return [];
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  return body.map(({ line: at, fields: values }) => {
    if (values.length > columns.length) {
      throw new DataFileError([`${displayPath}:${at}: ${values.length} fields but the header has ${columns.length}`]);
    }
    return { line: at, value: Object.fromEntries(columns.map((name, index) => [name, values[index] ?? ''])) };
  });
}
