// Strict JSON for files the CLI reads (`templates import`, `apply -f x.json`): the YAML parser
// that reads them for positions would take JSON with a trailing comma, or report broken JSON in
// YAML's terms.

/** Why `text` is not JSON, and where (an offset), or null when it is. */
export function jsonProblem(text: string): { offset: number; message: string } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0].replace(/ in JSON at position \d+.*$/, '').replace(/, (\.\.\.)?".*$/, '');
    return { offset: jsonErrorOffset(text), message };
  }
}

/**
 * Where JSON stops being JSON: V8's messages carry a position only sometimes, so a small scan
 * finds it for the line number (JSON.parse has already said that the text is not JSON).
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    for (i++; i < text.length; i++) {
      if (text[i] === '"') return void i++;
      if (text[i] === '\\') i++;
      else if (text[i] < ' ') fail();
    }
    fail();
  };
  const value = (): void => {
    ws();
    const open = text[i];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (open === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (open === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 100));
    if (!literal) fail();
    i += literal![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

