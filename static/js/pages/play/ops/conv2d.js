// conv2d on the player page: the windowed view with its kernel, the arithmetic
// of each step, and the depth view when the kernel is 1x1.

import { DepthView } from "../../../render/depth.js";
import { WindowedView } from "../../../render/windowed.js";
import { narrateWindow, renderConvStep } from "../arithmetic.js";
import { renderFormula } from "../formula.js";

export default {
  createView: (canvases) =>
    new WindowedView(canvases, { depth: canvases.depth ? new DepthView(canvases.depth) : null }),
  renderStep: renderConvStep,
  narrate: narrateWindow,
  renderSide: renderFormula,
  captions(h) {
    const [c, hp, wp] = h.padded_shape;
    const [, hi, wi] = h.input_shape;
    const pads = h.padding.flat().some((p) => p > 0) ? `, padded to ${hp} × ${wp}` : "";
    const [f, cg, kh, kw] = [h.weight.length, h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
    return {
      input: `${c} × ${hi} × ${wi}${pads}`,
      kernel: `${f} filter${f > 1 ? "s" : ""} of ${cg} × ${kh} × ${kw}${h.bias ? " + bias" : ""}`,
      output: h.output_shape.join(" × "),
      depth: kh === 1 && kw === 1 ? `${cg} channels → ${f} maps, one dot product per position` : "",
    };
  },
};
