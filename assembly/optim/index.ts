// Entry point of the optimizer family's AssemblyScript module (optim-<variant>.wasm; the shared kernels of
// assembly/core/ are a module of their own). Every kernel is a leaf function over raw
// pointers into the imported shared memory; JS owns allocation (built with --runtime stub).
export * from './sgd';
export * from './adam';
export * from './adagrad';
export * from './rmsprop';
export * from './adadelta';
export * from './rprop';
export * from './adamax';
export * from './nadam';
export * from './radam';
export * from './lion';
export * from './schedulefree';
export * from './lamb';
export * from './lars';
export * from './novograd';
export * from './adafactor';
export * from './asgd';
export * from './prodigy';
export * from './dog';
export * from './rademacher';
export * from './adahessian';
export * from './sophia';
export * from './precond';
export * from './lbfgs';
export * from './adabelief';
export * from './yogi';
export * from './signum';
export * from './adopt';
export * from './diffgrad';
export * from './optamsgrad';
export * from './rsgdm';
export * from './sam';
export * from './transforms';
export * from './muon';
export * from './quant8';
export * from './shampoo';
