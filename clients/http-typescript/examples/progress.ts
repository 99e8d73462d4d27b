// Prints Hoàn Kiếm's 2013 progress through the gateway's HTTP/JSON API:
//   CHITIEU_API_KEY=$(cat var/demo-api-key) CHITIEU_HTTP_URL=http://127.0.0.1:8080 \
//     node dist/examples/progress.js   (in clients/http-typescript)
import { ApiError, connect, ok } from "../src";

async function main(): Promise<void> {
  const chitieu = connect();
  const progress = await ok(
    chitieu.GET("/v1/units/{unit}/progress", { params: { path: { unit: "002" }, query: { year: 2013 } } }),
  );
  console.log(`${progress.unit}, ${progress.year}`);
  for (const row of progress.indicators ?? []) {
    const name = (row.indicator ?? "").replace(/^INDICATOR_/, "");
    const status = (row.status ?? "").replace(/^PROGRESS_STATUS_/, "");
    console.log(
      `  ${name.padEnd(24)} target ${String(row.target).padStart(3)}  achieved ${String(row.achieved).padStart(3)}  ${status}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ApiError ? error.message : error);
  process.exit(1);
});
