-- AlterTable
ALTER TABLE "generations" ADD COLUMN     "estimated_cost" DECIMAL(12,6);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "provider" VARCHAR(20) NOT NULL,
    "delivery_id" VARCHAR(255) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("provider","delivery_id")
);

-- CreateIndex
CREATE INDEX "webhook_deliveries_received_at_idx" ON "webhook_deliveries"("received_at");

-- CreateIndex
CREATE INDEX "generations_external_job_id_idx" ON "generations"("external_job_id");
