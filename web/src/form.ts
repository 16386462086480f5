/** A text field of a submitted form, trimmed unless `raw` ("" when absent or a file). */
export function field(form: FormData, name: string, raw = false): string {
  const value = form.get(name);
  if (typeof value !== "string") return "";
  return raw ? value : value.trim();
}
