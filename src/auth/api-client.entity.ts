import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { JSONWebKeySet } from 'jose';
import { TenantEntity } from '../tenancy/tenant.entity';

/** A system that calls Liaison's APIs (an EHR, an integration, an internal app). */
@Entity({ name: 'api_clients' })
@Index(['tenantId'])
export class ApiClientEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  clientId: string;

  @Column({ type: 'varchar', length: 63 })
  tenantId: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: TenantEntity;

  @Column({ type: 'text' })
  name: string;

  /** scrypt hash of the client secret; null for clients that authenticate only with a signed JWT. */
  @Column({ type: 'text', nullable: true })
  secretHash: string | null;

  /** Public keys for SMART Backend Services `private_key_jwt`. */
  @Column({ type: 'jsonb', nullable: true })
  jwks: JSONWebKeySet | null;

  /** The most a token for this client may grant, in SMART v2 syntax. */
  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
