/** Inventory loading and validation for the CLI: YAML and the Ansible INI of the make + Ansible flow. */
export { loadInventory, parseInventoryText, type LoadOptions, type ParseOptions, type LoadResult } from './load';
export { runInventoryCheck, type CheckOptions, type CheckResult } from './check';
export { toYaml } from './to-yaml';
export { redactInventory, REDACTED, type RedactedInventory, type RedactedNode, type RedactedSecret } from './redact';
export { Problem, formatProblem, formatProblems } from './problem';
export { detectFormat, INVENTORY_FORMATS, type InventoryFormat } from './format';
