import pg from "pg";
import type { Config } from "../config/config.js";
import { maskUrl } from "../config/mask-url.js";
import { readEmbeddingColumn } from "../db/embedding-column.js";
import { migrate } from "../db/migrate.js";
import { exitWithError } from "./exit-with-error.js";

export async function migrateCommand(config: Config): Promise<void> {
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    exitWithError(
      `postgresql unreachable at ${maskUrl(config.databaseUrl)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const result = await migrate(client, { embeddingDim: config.embeddingDim });
    const column = await readEmbeddingColumn(client);
    if (result.schema === "rag-corp") {
      console.log("database: rag-corp's schema (alembic); its tables are left as they are");
    }
    console.log(
      result.applied.length > 0
        ? `migrated: applied ${result.applied.join(", ")}`
        : "migrated: schema already up to date",
    );
    if (column) console.log(`chunks.embedding: ${column.kind} with ${column.dimension} dimensions`);
    if (column && column.dimension !== config.embeddingDim) {
      exitWithError(
        `EMBEDDING_DIM is ${config.embeddingDim} but chunks.embedding has ${column.dimension} dimensions`,
      );
    }
  } finally {
    await client.end();
  }
}
