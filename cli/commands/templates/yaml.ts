// What the template files need of yaml, as named exports. Loaded with import() by files.ts, so
// only a YAML or JSON import or export loads yaml; bundled, `(await import('yaml')).LineCounter`
// was undefined (yaml's CommonJS build came as a default export alone), this is not.
export { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
