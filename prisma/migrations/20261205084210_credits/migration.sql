-- CreateEnum
CREATE TYPE "credit_transaction_type" AS ENUM ('reserve', 'finalize', 'refund', 'purchase', 'grant', 'adjust');

-- AlterTable
ALTER TABLE "generations" ADD COLUMN     "credit_account_id" UUID,
ADD COLUMN     "credits_reserved" DECIMAL(18,6);

-- CreateTable
CREATE TABLE "credit_accounts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "holder" VARCHAR(64) NOT NULL,
    "user_id" UUID,
    "balance" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "reserved" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_transactions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "type" "credit_transaction_type" NOT NULL,
    "amount" DECIMAL(18,6) NOT NULL,
    "balance_after" DECIMAL(18,6) NOT NULL,
    "generation_id" UUID,
    "actor_id" UUID,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "idempotency_key" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_accounts_tenant_id_holder_key" ON "credit_accounts"("tenant_id", "holder");

-- CreateIndex
CREATE INDEX "credit_transactions_account_id_created_at_id_idx" ON "credit_transactions"("account_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "credit_transactions_tenant_id_created_at_id_idx" ON "credit_transactions"("tenant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "credit_transactions_generation_id_idx" ON "credit_transactions"("generation_id");

-- CreateIndex
CREATE UNIQUE INDEX "credit_transactions_tenant_id_idempotency_key_key" ON "credit_transactions"("tenant_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "generations_credits_reserved_idx" ON "generations"("credits_reserved");

-- AddForeignKey
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_transactions" ADD CONSTRAINT "credit_transactions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "credit_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
