// `npm run bench`: speed and memory figures. Filled in by the benchmark suites.
console.log('no benchmarks yet');
