import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A customer organisation; every other row belongs to exactly one. */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
