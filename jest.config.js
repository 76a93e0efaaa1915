// Jest runs in ESM mode: Nest 12 ships only ES modules.
const libs = ['contracts', 'config', 'queue', 'documents', 'xml', 'soap', 'connectors', 'ai', 'audit', 'pipeline', 'runtime', 'testing'];

const moduleNameMapper = Object.fromEntries([
  ...libs.map((lib) => [`^@app/${lib}$`, `<rootDir>/libs/${lib}/src/index.ts`]),
  ['^(\\.{1,2}/.*)\\.js$', '$1'],
]);

const common = {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper,
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/summary-line.reporter.mjs'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
};
