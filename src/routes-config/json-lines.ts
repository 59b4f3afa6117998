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
