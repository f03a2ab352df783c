/**
 * RFC 4180 CSV reader: quoted fields with "" escapes and line breaks inside quotes, CRLF or LF, optional BOM.
 * Yields one record at a time with the physical line it started on, so error reports can name the file line.
 * Never throws: an unterminated quote ends the record at end of input and is reported through `unterminated`.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
  unterminated?: boolean;
}

export function* readCsv(text: string, delimiter = ','): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let unterminated = false;
    for (;;) {
      if (i < n && text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) unterminated = true;
        // Text after a closing quote up to the delimiter is kept (lenient, like spreadsheet exports).
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      } else {
        let j = i;
        while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
        field += text.slice(i, j);
        i = j;
      }
      fields.push(field);
      field = '';
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    // Blank lines carry no record.
    if (fields.length === 1 && fields[0] === '') continue;
    yield unterminated ? { line: start, fields, unterminated } : { line: start, fields };
  }
}

/** Quotes a field only when it needs it. */
export function csvField(v: string | number | undefined | null): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
