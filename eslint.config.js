import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Nx module boundaries (tags live in each project.json). Nx applies EVERY constraint whose sourceTag a
// project carries: the type tags keep apps above libs, the scope tags keep development code (the local
// host, the emulator, model builders, tools, e2e) out of what ships to Azure.
const typeConstraints = [
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
];
const runtimeOnly = { sourceTag: 'scope:runtime', onlyDependOnLibsWithTags: ['scope:runtime'] };
// apps/local composes the apps, so its type:app constraint lets it depend on apps too.
const composing = typeConstraints.map((c) =>
  c.sourceTag === 'type:app' ? { ...c, onlyDependOnLibsWithTags: ['type:app', 'type:lib'] } : c,
);
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
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries([...typeConstraints, runtimeOnly]) },
  },
  // A runtime project's tests may use development libraries (they start Azurite and the local host, build
  // models, sign tokens): only its sources ship.
  {
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(typeConstraints) },
  },
  // The pages' browser modules are type-checked by tsc (apps/score-http/static/tsconfig.json: checkJs with
  // the DOM lib), which knows the browser's globals; no-undef without them would flag every `document`.
  { files: ['apps/*/static/**/*.js'], rules: { 'no-undef': 'off' } },
  // Last, so that it also holds for apps/local's tests.
  {
    files: ['apps/local/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(composing) },
  },
);
