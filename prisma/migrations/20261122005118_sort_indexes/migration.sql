-- CreateIndex
CREATE INDEX "generations_board_id_updated_at_id_idx" ON "generations"("board_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "generations_board_id_generator_name_id_idx" ON "generations"("board_id", "generator_name", "id");

-- CreateIndex
CREATE INDEX "tags_tenant_id_updated_at_id_idx" ON "tags"("tenant_id", "updated_at", "id");
