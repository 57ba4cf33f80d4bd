import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795517946205 implements MigrationInterface {
    name = 'InitialSchema1795517946205'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "tenants" (
                "id" character varying(63) NOT NULL,
                "name" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_53be67a04681c66b87ee27c9321" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "api_clients" (
                "client_id" character varying(128) NOT NULL,
                "tenant_id" character varying(63) NOT NULL,
                "name" text NOT NULL,
                "secret_hash" text,
                "jwks" jsonb,
                "scopes" text array NOT NULL,
                "active" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2cc528aa877e26788808e581855" PRIMARY KEY ("client_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_2a3cf1f14bea25003fe55ac0aa" ON "api_clients" ("tenant_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "client_assertion_jtis" (
                "client_id" character varying(128) NOT NULL,
                "jti" character varying(255) NOT NULL,
                "tenant_id" character varying(63) NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_91b1cfc1fb21f7f1eb632c0321c" PRIMARY KEY ("client_id", "jti")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_e8b6ea7ae098f9a3b7c6ca7ed5" ON "client_assertion_jtis" ("expires_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "api_clients"
            ADD CONSTRAINT "FK_2a3cf1f14bea25003fe55ac0aa9" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "api_clients" DROP CONSTRAINT "FK_2a3cf1f14bea25003fe55ac0aa9"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_e8b6ea7ae098f9a3b7c6ca7ed5"
        `);
        await queryRunner.query(`
            DROP TABLE "client_assertion_jtis"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_2a3cf1f14bea25003fe55ac0aa"
        `);
        await queryRunner.query(`
            DROP TABLE "api_clients"
        `);
        await queryRunner.query(`
            DROP TABLE "tenants"
        `);
    }

}
