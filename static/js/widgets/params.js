// A parameter form <-> its parameters. Only values that differ from their defaults are
// read, so the URL (core/state.js) and shared links stay short; a reload restores the form.

export function readForm(form) {
  const params = {};
  for (const input of form.querySelectorAll("[name]")) {
    const value = input.type === "checkbox" ? String(input.checked) : input.value.trim();
    if (value !== (input.dataset.default ?? "")) params[input.name] = value;
  }
  return params;
}

// HTML's "valid floating-point number": what an <input type="number"> keeps (app/pages/forms.py agrees).
const HTML_NUMBER = /^-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

/** Put `value` in a field as written. A number field would blank anything but a number (and log a
 * warning), so such a field turns into a text field: the API then refuses the value in words. */
export function setFieldValue(input, value) {
  if (input.type === "number" && value !== "" && !(HTML_NUMBER.test(value) && Number.isFinite(Number(value))))
    input.type = "text";
  input.value = value;
}

export function writeForm(form, params) {
  for (const input of form.querySelectorAll("[name]")) {
    const value = params[input.name] ?? input.dataset.default ?? "";
    if (input.type === "checkbox") input.checked = value === "true";
    else setFieldValue(input, value);
  }
}

export function apiQuery(api) {
  return new URLSearchParams({ ...api, detail: "auto" }).toString();
}
