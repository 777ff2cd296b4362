/**
 * Runs Azurite's blob server in this process and exits when the process that started it is gone,
 * so a test runner killed with SIGKILL does not leave Azurite behind.
 * Usage: node azuriteChild.js <azurite blob main.js> <azurite flags…>
 */
const [, , main, ...flags] = process.argv;
const parent = process.ppid;
setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
}, 500).unref();
// Azurite parses process.argv as if it had been started directly.
process.argv = [process.argv[0], main, ...flags];
require(main);
