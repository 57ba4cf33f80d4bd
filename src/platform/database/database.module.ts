import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { applyMigrations } from './migrate';

/** The shared DataSource, migrated before anything else starts using it. */
@Global()
@Module({})
export class DatabaseModule {
  static forUrl(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(url),
          dataSourceFactory: async (options) => {
            const db = await new DataSource(options!).initialize();
            await applyMigrations(db);
            return db;
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
