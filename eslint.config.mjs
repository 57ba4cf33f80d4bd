// ESLint (flat config): typescript-eslint's recommended rules, without type information (fast),
// plus the project rules from STYLE.md that a linter can check. Import boundaries between
// folders and modules are checked by dependency-cruiser (.dependency-cruiser.cjs).
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const TS_AND_JS = ['**/*.ts', '**/*.js', '**/*.cjs', '**/*.mjs'];
const TESTS = ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'];
/** Where `process.env` may be read: the one config file, and the test and benchmark harnesses. */
const MAY_READ_ENV = ['src/platform/config/process-config.ts', 'test/**', 'bench/**', '*.js', '*.cjs', '*.mjs'];

const processEnv = {
  object: 'process',
  property: 'env',
  message: 'Configuration is read once by loadConfig(); process.env appears only in src/platform/config/process-config.ts.',
};
const libsClock = [
  { object: 'Date', property: 'now', message: 'libs/ are pure: take `now` as an argument.' },
  { object: 'performance', property: 'now', message: 'libs/ are pure: take `now` as an argument.' },
  { object: 'Math', property: 'random', message: 'libs/ are pure: take an id or random source as an argument.' },
];
const focusedOrSkipped = ['describe', 'it', 'test'].flatMap((object) =>
  ['only', 'skip'].map((property) => ({ object, property, message: 'No .only/.skip in committed tests.' })),
);
const focusedOrSkippedGlobals = ['fit', 'fdescribe', 'xit', 'xtest', 'xdescribe'].map((name) => ({
  name,
  message: 'No focused or skipped tests in committed code.',
}));
const ourModulesMocked = [
  { object: 'jest', property: 'mock', message: 'Never mock our own modules: use the real app on a real database.' },
  { object: 'jest', property: 'doMock', message: 'Never mock our own modules: use the real app on a real database.' },
  { object: 'jest', property: 'unstable_mockModule', message: 'Never mock our own modules: use the real app on a real database.' },
];

const noSynchronize = {
  selector: "Property[key.name='synchronize'][value.value=true]",
  message: 'Never synchronize: schema changes go through migrations/.',
};
const libsNoArgDate = [
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'libs/ are pure: take `now` as an argument instead of new Date().',
  },
  {
    selector: "CallExpression[callee.name='Date']",
    message: 'libs/ are pure: take `now` as an argument instead of Date().',
  },
];

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/', '.liaison/']),
  {
    files: TS_AND_JS,
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'smart'],
      'no-restricted-properties': ['error', processEnv],
      'no-restricted-syntax': ['error', noSynchronize],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: ['forwardRef'],
              message: 'No forwardRef: dependencies point one way (STYLE.md principle 5).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: MAY_READ_ENV,
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: TESTS,
    rules: {
      'no-restricted-properties': ['error', ...focusedOrSkipped, ...ourModulesMocked],
      'no-restricted-globals': ['error', ...focusedOrSkippedGlobals],
    },
  },
  {
    // Pure rules: no clock, randomness, environment, network or logging (STYLE.md principle 1).
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', processEnv, ...libsClock, ...focusedOrSkipped, ...ourModulesMocked],
      'no-restricted-syntax': ['error', noSynchronize, ...libsNoArgDate],
      'no-restricted-globals': [
        'error',
        ...['process', 'fetch', 'XMLHttpRequest', 'WebSocket', 'setTimeout', 'setInterval'].map((name) => ({
          name,
          message: `libs/ are pure functions: no ${name}.`,
        })),
        ...focusedOrSkippedGlobals,
      ],
      'no-console': 'error',
    },
  },
);
