// Entry point of the AssemblyScript kernel module. Every kernel is a leaf function over raw
// pointers into the imported shared memory; JS owns allocation (built with --runtime stub).
export * from './math';
export * from './reduce';
export * from './elementwise';
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
export * from './segment';
export * from './lamb';
export * from './lars';
export * from './novograd';
export * from './adafactor';
export * from './asgd';
export * from './prodigy';
export * from './dog';
export * from './rng';
export * from './adahessian';
export * from './sophia';
export * from './precond';
