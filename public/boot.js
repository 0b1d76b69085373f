// Loads the console's wasm (no inline script: the CSP forbids it).
import init from "/lintel.js";
init();
