/**
 * HTML with one escaping choke point: `html` escapes every interpolated value except markup
 * built by `html` itself, so data only ever reaches a page as text.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[];

/** `=`, `@` and backticks too: data never spells `src=` or `@import` on the page, even as text. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"'=@`]/g, (c) => `&#${c.charCodeAt(0)};`);

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}
