import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** `jti` values of accepted client assertions, kept until they expire so none is used twice. */
@Entity({ name: 'client_assertion_jtis' })
@Index(['expiresAt'])
export class ClientAssertionJtiEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  clientId: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  jti: string;

  @Column({ type: 'varchar', length: 63 })
  tenantId: string;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
