// A local ESLint rule enforcing DESIGN.md §3's layer table: every relative import is resolved against
// the importing file and refused when it crosses into a layer the importer may not use.
import path from 'node:path';

/** @param {string} root @param {Record<string, string[]>} layers */
export function layersPlugin(root, layers) {
  const names = Object.keys(layers).sort((a, b) => b.length - a.length);
  const layerOf = (file) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    return names.find((l) => rel === l || rel.startsWith(`${l}/`)) ?? null;
  };
  return {
    rules: {
      'allowed-imports': {
        meta: {
          type: 'problem',
          schema: [],
          messages: { crossing: '{{from}} may not import {{to}} (DESIGN.md §3 layers: {{from}} → {{allowed}}).' },
        },
        create(context) {
          const from = layerOf(context.filename);
          if (from === null) return {};
          const check = (node, source) => {
            if (typeof source !== 'string' || !source.startsWith('.')) return;
            const to = layerOf(path.resolve(path.dirname(context.filename), source));
            if (to === null || to === from || layers[from].includes(to)) return;
            context.report({
              node,
              messageId: 'crossing',
              data: { from, to, allowed: layers[from].join(', ') || 'nothing' },
            });
          };
          return {
            ImportDeclaration: (n) => check(n, n.source.value),
            ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
            ExportAllDeclaration: (n) => check(n, n.source.value),
            ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
          };
        },
      },
    },
  };
}
