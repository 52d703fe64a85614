// The operations as the server declares them (GET /api/ops): each op's fields (PyTorch's names,
// defaults, choices, and bounds read from the server's settings), the stack builder's layer
// types, and every cap in `limits`. Fetched once per page; the pages keep no copy of their own.

import { getJson } from "./api.js";

let answer = null;

/** The promise of GET /api/ops's answer: {ops, layers, limits}. */
export function specs() {
  answer ??= getJson("/api/ops");
  return answer;
}

/** The field `name` of the GET /api/{op}/trace query (what a player form shows), or null. */
export function queryField(all, op, name) {
  const spec = all.ops.find((o) => o.name === op);
  return spec?.query.find((f) => f.name === name) ?? null;
}
