/**
 * The table half of the libtorch kernels: tfjs kernel name -> native op. Elementwise kernels are
 * fully described here (one row each); register.ts generates their kernel functions. Kernels
 * with attributes or layout work live in kernels/*.ts.
 */

/** tfjs unary kernel (input `x`) -> addon unary op (native/elementwise.cc). */
export const UNARY_KERNELS: Record<string, string> = {
  Abs: 'abs', Acos: 'acos', Acosh: 'acosh', Asin: 'asin', Asinh: 'asinh', Atan: 'atan', Atanh: 'atanh',
  Ceil: 'ceil', Cos: 'cos', Cosh: 'cosh', Erf: 'erf', Exp: 'exp', Expm1: 'expm1', Floor: 'floor',
  Log: 'log', Log1p: 'log1p', Neg: 'neg', Reciprocal: 'reciprocal', Round: 'round', Rsqrt: 'rsqrt',
  Sigmoid: 'sigmoid', Sign: 'sign', Sin: 'sin', Sinh: 'sinh', Sqrt: 'sqrt', Square: 'square', Tan: 'tan',
  Tanh: 'tanh', Relu: 'relu', Relu6: 'relu6', Elu: 'elu', Selu: 'selu', Softplus: 'softplus',
  IsNan: 'isnan', IsInf: 'isinf', IsFinite: 'isfinite', LogicalNot: 'logical_not',
  ZerosLike: 'zeros_like', OnesLike: 'ones_like',
};

/** tfjs binary kernel -> [addon binary op, names of its two inputs]. */
export const BINARY_KERNELS: Record<string, [string, string, string]> = {
  Add: ['add', 'a', 'b'], Sub: ['sub', 'a', 'b'], Multiply: ['mul', 'a', 'b'], RealDiv: ['div', 'a', 'b'],
  FloorDiv: ['floor_div', 'a', 'b'], Mod: ['mod', 'a', 'b'], Pow: ['pow', 'a', 'b'],
  Maximum: ['maximum', 'a', 'b'], Minimum: ['minimum', 'a', 'b'], SquaredDifference: ['squared_difference', 'a', 'b'],
  Atan2: ['atan2', 'a', 'b'], Equal: ['equal', 'a', 'b'], NotEqual: ['not_equal', 'a', 'b'], Less: ['less', 'a', 'b'],
  LessEqual: ['less_equal', 'a', 'b'], Greater: ['greater', 'a', 'b'], GreaterEqual: ['greater_equal', 'a', 'b'],
  LogicalAnd: ['logical_and', 'a', 'b'], LogicalOr: ['logical_or', 'a', 'b'], LogicalXor: ['logical_xor', 'a', 'b'],
  BitwiseAnd: ['bitwise_and', 'a', 'b'], EluGrad: ['elu_grad', 'dy', 'y'], Prelu: ['prelu', 'x', 'alpha'],
};

/** tfjs reduction kernel -> [addon reduction, attribute holding the axes]. */
export const REDUCE_KERNELS: Record<string, [string, string]> = {
  Sum: ['sum', 'axis'], Mean: ['mean', 'axis'], Max: ['max', 'reductionIndices'], Min: ['min', 'axis'],
  Prod: ['prod', 'axis'], All: ['all', 'axis'], Any: ['any', 'axis'],
};
