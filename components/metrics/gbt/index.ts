export { GradientBoostingClassifier, GBT_DEFAULTS } from './gradient-boosting.ts';
export type { GradientBoostingParams } from './gradient-boosting.ts';
export { fitRegressionTree, presortFeatures, applyTree, treeImportances, TreeWorkspace } from './regression-tree.ts';
export type { RegressionTree, PresortedFeatures, TreeParams } from './regression-tree.ts';
