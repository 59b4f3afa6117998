/**
 * The line of a value inside a JSON text, by its path (as zod reports it), so
 * a problem in routing.json reads `routing.json:42: tiers.simple.0: ...`.
 * A small scanner over text already known to parse: strings, numbers and
 * literals are skipped, objects and arrays descended.
 */
export function lineOfJsonPath(text: string, path: readonly PropertyKey[]): number | undefined {
  let at = 0;
  let line = 1;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) {
      if (text[at] === '\n') line++;
      at++;
    }
  };
  const readString = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  // Returns the line of the value at `path` below the current position, or undefined; always consumes one value.
  const value = (rest: readonly PropertyKey[]): number | undefined => {
    skipSpace();
    const here = line;
    let found = rest.length === 0 ? here : undefined;
    const char = text[at];
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      at++;
      let index = 0;
      for (;;) {
        skipSpace();
        if (text[at] === close) {
          at++;
          break;
        }
        let key: PropertyKey = index;
        if (char === '{') {
          key = readString();
          skipSpace();
          at++; // the colon
        }
        const inner = value(rest.length > 0 && String(rest[0]) === String(key) ? rest.slice(1) : [Symbol('elsewhere')]);
        if (found === undefined && rest.length > 0 && String(rest[0]) === String(key)) found = inner;
        skipSpace();
        if (text[at] === ',') at++;
        index++;
      }
    } else if (char === '"') readString();
    else while (at < text.length && !/[\s,\]}]/.test(text[at]!)) at++;
    return found;
  };
  return value(path);
}

/**
 * The line of a JSON syntax error when the parser's message has no offset
 * (Node 20's V8 gives a snippet instead): the first character outside a
 * string that no JSON token can contain. A misplaced comma or bracket is not
 * found this way, and then no line is given rather than a wrong one.
 */
export function lineOfJsonSyntaxError(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return text.slice(0, Number(position)).split('\n').length;
  let inString = false;
  let line = 1;
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (char === '\n') line++;
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (/[a-z]/i.test(char)) {
      const word = /^[a-z]+/i.exec(text.slice(at))![0];
      if (!['true', 'false', 'null', 'e', 'E'].includes(word)) return line;
      at += word.length - 1;
    } else if (!/[\s{}[\]:,0-9.+-]/.test(char)) return line;
  }
  return undefined;
}
