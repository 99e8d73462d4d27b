import { defineConfig } from "vite";

// The gateway serves dist/ at / next to its HTTP/JSON API (same origin).
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
