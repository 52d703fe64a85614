// The parameter form <-> the URL. Only values that differ from their defaults go
// in the URL, so shared links stay short; a reload restores the form from it.

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
  if (input.type === "number" && value !== "" && !(HTML_NUMBER.test(value) && Number.isFinite(Number(value)))) input.type = "text";
  input.value = value;
}

export function writeForm(form, params) {
  for (const input of form.querySelectorAll("[name]")) {
    const value = params[input.name] ?? input.dataset.default ?? "";
    if (input.type === "checkbox") input.checked = value === "true";
    else setFieldValue(input, value);
  }
}

/** Parameters from the page URL, split into API parameters and player state. */
export function readUrl(stateNames) {
  const api = {};
  const state = {};
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    if (stateNames.includes(key)) state[key] = value;
    else api[key] = value;
  }
  return { api, state };
}

export function writeUrl(api, state) {
  const query = new URLSearchParams({ ...api, ...state }).toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, "", url);
}

export function apiQuery(api) {
  return new URLSearchParams({ ...api, detail: "auto" }).toString();
}
