// A photo's attribution under the picture (CC BY asks for it wherever the photo is shown),
// from the `credit` the API sent with the answer; hidden for the pictures drawn in code and uploads.

import { el, replace } from "./dom.js";

export function showCredit(node, credit) {
  node.hidden = !credit;
  if (!credit) {
    replace(node);
    return;
  }
  const link = (href, text) => el("a", { href, rel: "noopener" }, text);
  replace(
    node,
    "Photo ",
    link(credit.source_url, credit.file),
    " by ",
    link(credit.author_url, credit.author),
    " on Flickr, ",
    link(credit.licence_url, credit.licence),
    ", from scikit-learn's sample images; shown here shrunk and changed.",
  );
}
