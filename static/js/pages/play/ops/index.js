// Which view, arithmetic and explanation each operation's player uses.

import convTranspose2d from "./conv_transpose2d.js";
import conv2d from "./conv2d.js";
import conv2dBackward from "./conv2d_backward.js";
import dropout from "./dropout.js";
import pool from "./pool.js";
import relu from "./relu.js";

export const OPS = {
  conv2d,
  max_pool2d: pool,
  avg_pool2d: pool,
  lp_pool2d: pool,
  relu,
  dropout,
  conv_transpose2d: convTranspose2d,
  conv2d_backward: conv2dBackward,
};
