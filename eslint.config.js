import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Nx module boundaries (tags live in each project.json). Nx applies EVERY constraint whose
// sourceTag a project carries, so apps/local (type:app + scope:local) gets its own set below.
const depConstraints = [
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'scope:local', onlyDependOnLibsWithTags: ['type:app', 'type:lib'] },
];
const moduleBoundaries = (constraints) => [
  'error',
  {
    // Libs are consumed from source via tsconfig paths, never as built packages.
    enforceBuildableLibDependency: false,
    // Every project's vitest.config.ts imports the root vitest.shared.ts, which belongs to no project.
    allow: ['^(\\.\\./)+vitest\\.shared\\.js$'],
    depConstraints: constraints,
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.azurite/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(depConstraints) },
  },
  // The pages' browser modules are type-checked by tsc (apps/score-http/static/tsconfig.json: checkJs with
  // the DOM lib), which knows the browser's globals; no-undef without them would flag every `document`.
  { files: ['apps/*/static/**/*.js'], rules: { 'no-undef': 'off' } },
  // apps/local composes the apps, so drop the type:app constraint that would forbid that.
  {
    files: ['apps/local/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(
        depConstraints.filter((c) => c.sourceTag !== 'type:app'),
      ),
    },
  },
);
