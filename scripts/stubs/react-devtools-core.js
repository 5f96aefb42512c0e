// Ink loads React DevTools only when DEV=true; the bundled TUI ships without them.
export default { initialize() {}, connectToDevTools() {} };
