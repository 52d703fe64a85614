// Which view, arithmetic and explanation each operation's player uses.

import conv2d from "./conv2d.js";
import dropout from "./dropout.js";
import pool from "./pool.js";
import relu from "./relu.js";

export const OPS = { conv2d, max_pool2d: pool, avg_pool2d: pool, lp_pool2d: pool, relu, dropout };
