// Prints Hoàn Kiếm's 2013 progress through the gateway:
//   CHITIEU_API_KEY=$(cat var/demo-api-key) npm run example   (in clients/typescript)
import { ApiError, connect, types } from "../src";

async function main(): Promise<void> {
  const chitieu = connect();
  try {
    const progress = await chitieu.call(chitieu.reporting, chitieu.reporting.getProgress, {
      unit: "units/002",
      year: 2013,
    });
    console.log(`${progress.unit}, ${progress.year}`);
    for (const row of progress.indicators) {
      const name = types.indicatorToJSON(row.indicator).replace(/^INDICATOR_/, "");
      const status = types.progressStatusToJSON(row.status).replace(/^PROGRESS_STATUS_/, "");
      console.log(
        `  ${name.padEnd(24)} target ${String(row.target).padStart(3)}  achieved ${String(row.achieved).padStart(3)}  ${status}`,
      );
    }
  } finally {
    chitieu.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ApiError ? error.message : error);
  process.exit(1);
});
