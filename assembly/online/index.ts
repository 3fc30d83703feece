// Entry point of the online family's AssemblyScript module (online-<variant>.wasm): exact projections
// onto the feasible sets, the OCO learners' updates (OGD, AdaGrad, EG, FTRL-Proximal, ONS) and the
// expert aggregation rules. Serial kernels on raw pointers (JS owns allocation); f64; every sum in one
// fixed order, so the SIMD and scalar builds give the same bits.
export { on_project, on_project_maha, on_first_nonfinite, on_count_nonfinite, on_first_large, on_check_input, on_outside } from './project';
export { on_ogd_update, on_adagrad_update, on_eg_update, on_eg_init } from './oco';
export { on_ftrl_weights, on_ftrl_predict, on_ftrl_logistic, on_ftrl_gradient, on_check_indices, on_sparse_stage, on_ftrl_logistic_batch, on_csr_stage } from './ftrl';
export { on_ons_update, on_ons_init } from './ons';
export { on_experts_weights, on_experts_combine, on_experts_update, on_experts_init } from './experts';
export { on_coin_update, on_coin_init } from './coin';
export { on_conformal_update, on_conformal_radius, on_conformal_init } from './conformal';
export { on_flh_update, on_flh_init } from './flh';
export { on_fullada_update } from './fullmatrix';
export { on_lmo, on_ofw_update } from './ofw';
export { on_optomd_update, on_optftrl_update } from './optimistic';
export { on_sleeping_check, on_sleeping_weights, on_sleeping_update, on_sleeping_bound } from './sleeping';
