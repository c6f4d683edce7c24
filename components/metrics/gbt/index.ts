export { GradientBoostingClassifier, GBT_DEFAULTS } from './gradient_boosting.ts';
export type { GradientBoostingParams } from './gradient_boosting.ts';
export { fitRegressionTree, presortFeatures, applyTree, treeImportances, TreeWorkspace } from './regression_tree.ts';
export type { RegressionTree, PresortedFeatures, TreeParams } from './regression_tree.ts';
